// The provisioning log, users and groups pages, in a real browser against a live serve +
// worker: what SCIM pushed shows up, attacker-controlled names stay text, filters are
// links and the CSV export follows them, a user's history reads as sentences (a bridge's
// deactivation with its reason), and the lists fit a phone.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { screenshot, startStack, type Stack } from './support'

let s: Stack
beforeAll(async () => {
  s = await startStack('directory')
}, 60_000)
afterAll(() => s?.stop())

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const OKTA_AGENT = 'Okta SCIM Client 1.0.0'

const person = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA],
  userName,
  name: { givenName: 'Ada', familyName: 'Lovelace' },
  emails: [{ value: userName.includes('@') ? userName : `${userName.replace(/\W/g, '')}@acme.test`, type: 'work', primary: true }],
  active: true,
  ...extra,
})

/** A SCIM call with `token`, as an identity provider makes it. */
async function scim(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.base}/api/connect/v1/scim/2.0${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json', 'user-agent': OKTA_AGENT },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

/** An organization with SCIM on, made through the API (the first test makes one in the browser). */
async function scimOrg(name: string): Promise<{ orgId: string; token: string }> {
  const org = (await s.api('POST', '/organizations', { name: `${name} ${crypto.randomUUID().slice(0, 6)}` })).body
  const conf = (await s.api('POST', `/organizations/${org.id}/scim-configuration`)).body
  return { orgId: org.id, token: conf.token }
}

/** The audit log is written a moment after the answer (a buffer): wait for `n` rows matching `filter`. */
async function logged(orgId: string, filter: string, n = 1): Promise<any[]> {
  const deadline = Date.now() + 10_000
  for (;;) {
    const items = (await s.api('GET', `/organizations/${orgId}/scim-events?${filter}`)).body.items as any[]
    if (items.length >= n) return items
    if (Date.now() > deadline) throw new Error(`the log has ${items.length} rows for ${filter}, expected ${n}`)
    await Bun.sleep(100)
  }
}

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 45_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`)
    await Bun.sleep(200)
  }
}

const noHorizontalScroll = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')
const logRow = (page: Page, text: string) => page.locator('table.log tbody tr[data-event]').filter({ hasText: text })

test('create an organization, enable SCIM, copy the token, push a user and a group with it: the user, its log row (request body redacted), the group', async () => {
  const { page, context } = await s.loggedIn()
  await page.getByLabel('New organization').fill(`Directory Co ${crypto.randomUUID().slice(0, 6)}`)
  await page.getByRole('button', { name: 'Create organization' }).click()
  await page.waitForURL(/\/console\/orgs\/[0-9a-f-]{36}$/)
  const orgId = page.url().split('/').at(-1)!
  await page.getByRole('button', { name: 'Enable SCIM' }).click()
  await page.getByRole('button', { name: 'Copy token' }).click()
  const token = await page.evaluate<string>('navigator.clipboard.readText()')
  expect(token).toMatch(/^scim_/)

  const ada = await scim(token, 'POST', '/Users', person('ada@acme.test', { password: 'correct-horse-battery', title: 'Analyst' }))
  expect(ada.status).toBe(201)
  const grace = await scim(token, 'POST', '/Users', person('grace@acme.test', { name: { givenName: 'Grace', familyName: 'Hopper' } }))
  expect(grace.status).toBe(201)
  const group = await scim(token, 'POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: ada.body.id }, { value: grace.body.id }] })
  expect(group.status).toBe(201)
  await logged(orgId, 'method=POST', 3)

  // Users: the tab, the row, its link to the user page.
  await page.getByRole('navigation', { name: 'organization' }).getByRole('link', { name: 'Users' }).click()
  const row = page.getByRole('row').filter({ hasText: 'ada@acme.test' })
  await expect(row.textContent()).resolves.toMatch(/ada@acme\.test.*Ada Lovelace.*active.*SCIM/)
  expect(await page.locator('tbody tr').count()).toBe(2)
  await screenshot(page, 'users')
  // The search narrows the list, and the URL keeps it.
  await page.getByLabel('Search').fill('GRA')
  await page.waitForURL(/\?q=GRA$/)
  await page.getByRole('row').filter({ hasText: 'ada@acme.test' }).waitFor({ state: 'detached' })
  expect(await page.locator('tbody tr').count()).toBe(1)
  await page.getByLabel('Search').fill('')
  await page.getByRole('link', { name: 'ada@acme.test' }).click()
  await page.waitForURL(new RegExp(`/users/${ada.body.id}$`))
  await page.getByRole('heading', { name: /ada@acme\.test/ }).waitFor()
  await page.locator('ul.links').getByRole('link', { name: 'Engineering' }).waitFor()
  // Its history names the group it joined, and how.
  await expect(page.locator('ol.history > li').first().textContent()).resolves.toMatch(/^Added to group Engineering through SCIM \(POST \/Groups, 201, /)

  // The provisioning log: POST, 201, the userName; the row opens onto the redacted request.
  await page.getByRole('navigation', { name: 'organization' }).getByRole('link', { name: 'Provisioning log' }).click()
  const post = logRow(page, 'ada@acme.test').filter({ hasText: 'POST' })
  await expect(post.textContent()).resolves.toMatch(/POST.*\/Users.*201.*ada@acme\.test.*SCIM/)
  const details = post.getByRole('button', { name: 'Details' })
  expect(await details.getAttribute('aria-expanded')).toBe('false')
  await details.click()
  const hide = post.getByRole('button', { name: 'Hide' })
  expect(await hide.getAttribute('aria-expanded')).toBe('true')
  const panel = page.locator(`#${await hide.getAttribute('aria-controls')}`)
  const [request, response] = await panel.locator('pre').allTextContents()
  expect(JSON.parse(request!)).toMatchObject({ userName: 'ada@acme.test', password: '[REDACTED]', title: 'Analyst' })
  expect(request).toContain('\n  "userName": "ada@acme.test"') // pretty-printed
  expect(JSON.parse(response!)).toMatchObject({ id: ada.body.id, userName: 'ada@acme.test' })
  expect(await page.content()).not.toContain('correct-horse-battery')
  await expect(panel.textContent()).resolves.toContain(OKTA_AGENT)
  await screenshot(page, 'log')
  await hide.click()
  await panel.waitFor({ state: 'detached' })

  // Groups: the list, the group, its members linking to their users.
  await page.getByRole('navigation', { name: 'organization' }).getByRole('link', { name: 'Groups' }).click()
  await expect(page.getByRole('row').filter({ hasText: 'Engineering' }).textContent()).resolves.toMatch(/Engineering.*2.*SCIM/)
  await screenshot(page, 'groups')
  await page.getByRole('link', { name: 'Engineering' }).click()
  await page.getByRole('heading', { name: 'Engineering' }).waitFor()
  await page.getByRole('link', { name: 'grace@acme.test' }).click()
  await page.waitForURL(new RegExp(`/users/${grace.body.id}$`))
  await page.getByRole('heading', { name: /grace@acme\.test/ }).waitFor()
  await context.close()
})

test('a userName carrying HTML renders as text in the users list, the user page and the log: no element, no script', async () => {
  const { orgId, token } = await scimOrg('XSS Inc')
  const evil = 'x<img src=x onerror=alert(1)>'
  const pushed = await scim(token, 'POST', '/Users', person(evil, { displayName: '<img src=y onerror=alert(2)>' }))
  expect(pushed.status).toBe(201)
  await logged(orgId, 'status=201')
  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/users`)
  const dialogs: string[] = []
  page.on('dialog', (d) => {
    dialogs.push(d.message())
    void d.dismiss()
  })
  const check = async () => {
    await page.getByText(evil, { exact: true }).first().waitFor()
    expect(await page.locator('img').count()).toBe(0)
  }
  await check()
  await page.getByText('<img src=y onerror=alert(2)>', { exact: true }).waitFor()
  // The search box takes it as text too.
  await page.getByLabel('Search').fill('x<img')
  await page.waitForURL(/\?q=x%3Cimg$/)
  await check()
  await page.getByRole('link', { name: evil }).click()
  await page.getByRole('heading', { name: evil }).waitFor()
  await check()
  await page.goto(`${s.base}/console/orgs/${orgId}/log`)
  await check()
  await logRow(page, evil).getByRole('button', { name: 'Details' }).click()
  await page.locator('pre').first().waitFor()
  expect(await page.locator('pre').first().textContent()).toContain(evil)
  await check()
  expect(dialogs).toEqual([])
  await context.close()
})

test('log filters live in the URL, show only matching rows, and the CSV link exports exactly those', async () => {
  const { orgId, token } = await scimOrg('Filters Ltd')
  for (const name of ['one@filters.test', 'two@filters.test']) expect((await scim(token, 'POST', '/Users', person(name))).status).toBe(201)
  // A duplicate (409) and a malformed body (400): the failed calls.
  expect((await scim(token, 'POST', '/Users', person('one@filters.test'))).status).toBe(409)
  expect((await scim(token, 'POST', '/Users', { schemas: [USER_SCHEMA] })).status).toBe(400)
  expect((await scim(token, 'GET', '/Users?filter=userName%20eq%20%22two@filters.test%22')).status).toBe(200)
  await logged(orgId, '', 5)

  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/log`)
  await page.locator('table.log tbody tr[data-event]').nth(4).waitFor()
  await page.getByLabel('Status').fill('4xx')
  await page.getByLabel('Status').press('Enter')
  await page.waitForURL(/[?&]status=4xx/)
  await until(() => page.locator('table.log tbody tr[data-event]').count(), (n) => n === 2, 'two 4xx rows')
  const statuses = await page.locator('table.log tbody td[data-label="Status"]').allTextContents()
  expect(statuses.sort()).toEqual(['400', '409'])

  // With the method too; then the filtered view is a link: a fresh load shows the same.
  await page.getByLabel('Method').selectOption('POST')
  await page.getByLabel('userName').fill('ONE@filters.test')
  await page.getByLabel('userName').press('Enter')
  await page.waitForURL(/userName=ONE%40filters\.test/)
  await until(() => page.locator('table.log tbody tr[data-event]').count(), (n) => n === 1, 'one row')
  await page.reload()
  await page.locator('table.log tbody tr[data-event]').first().waitFor()
  await expect(page.locator('table.log tbody td[data-label="Status"]').allTextContents()).resolves.toEqual(['409'])
  expect(await page.getByLabel('Status').inputValue()).toBe('4xx')
  expect(await page.getByLabel('Method').inputValue()).toBe('POST')

  // The export carries the filters and holds only the matching rows, fetched with the cookie.
  const link = page.getByRole('link', { name: 'Export CSV' })
  expect(await link.getAttribute('download')).not.toBeNull()
  const href = (await link.getAttribute('href'))!
  expect(new URL(href, s.base).searchParams.toString()).toBe('method=POST&status=4xx&userName=ONE%40filters.test')
  const csv = await page.evaluate(async (url) => {
    const res = await fetch(url)
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
  }, href)
  expect(csv).toMatchObject({ status: 200, type: 'text/csv; charset=utf-8' })
  const rows = csv.text.trimEnd().split('\r\n').slice(1).map((l) => l.split(','))
  expect(rows.map((r) => [r[3], r[5], r[7]])).toEqual([['POST', '409', 'one@filters.test']])

  // Status alone: every 4xx row, none of the others.
  await page.getByRole('button', { name: 'Clear filters' }).click()
  await page.waitForURL(/\/log$/)
  await until(() => page.locator('table.log tbody tr[data-event]').count(), (n) => n === 5, 'all five rows')
  await page.getByLabel('Status').fill('4xx')
  await page.getByLabel('Status').press('Enter')
  await page.waitForURL(/\?status=4xx$/)
  const all4xx = await page.evaluate(async (url) => (await fetch(url)).text(), (await link.getAttribute('href'))!)
  expect(all4xx.trimEnd().split('\r\n').slice(1).map((l) => l.split(',')[5]).sort()).toEqual(['400', '409'])

  // A status the API refuses says what it wants.
  await page.getByLabel('Status').fill('4x')
  await page.getByLabel('Status').press('Enter')
  await expect(page.getByRole('alert').textContent()).resolves.toContain('must be a status such as 409 or a class such as 4xx')
  await context.close()
})

test("a user's history reads as sentences: created and deactivated through SCIM, with the call and the changed attributes", async () => {
  const { orgId, token } = await scimOrg('History Co')
  const user = await scim(token, 'POST', '/Users', person('lin@history.test', { title: 'Engineer' }))
  expect(user.status).toBe(201)
  const patch = {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active: false, title: 'Former engineer' } }],
  }
  expect((await scim(token, 'PATCH', `/Users/${user.body.id}`, patch)).status).toBe(200)
  await logged(orgId, 'method=PATCH')

  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/users/${user.body.id}`)
  await page.getByRole('heading', { name: /lin@history\.test/ }).waitFor()
  await expect(page.getByRole('heading', { name: /lin@history\.test/ }).textContent()).resolves.toContain('inactive')
  const entries = page.locator('ol.history > li')
  await entries.nth(1).waitFor()
  const [deactivated, created] = await entries.allTextContents()
  expect(deactivated).toMatch(new RegExp(`^Deactivated through SCIM \\(PATCH /Users/${user.body.id}, 200, from 127\\.0\\.0\\.1 ${OKTA_AGENT}\\)`))
  expect(deactivated).toContain('activetrue → false')
  expect(deactivated).toContain('titleEngineer → Former engineer')
  expect(created).toMatch(new RegExp(`^Created through SCIM \\(POST /Users, 201, from 127\\.0\\.0\\.1 ${OKTA_AGENT}\\)`))
  // What the page says is what the API holds.
  const history = (await s.api('GET', `/users/${user.body.id}/history`)).body.items
  expect(history.map((e: { type: string }) => e.type)).toEqual(['user.deactivated', 'user.created'])
  await screenshot(page, 'user')
  await context.close()
})

test("a bridge's deactivation says which bridge, which run and why; the users list filters by bridge", async () => {
  // The directory: another organization of this server, read through its SCIM API.
  const source = await scimOrg('Upstream')
  const upstream: Record<string, string> = {}
  for (const name of ['kim@bridge.test', 'sam@bridge.test']) upstream[name] = (await scim(source.token, 'POST', '/Users', person(name))).body.id
  const target = await scimOrg('Downstream')
  expect((await scim(target.token, 'POST', '/Users', person('pushed@bridge.test'))).status).toBe(201)
  const created = await s.api('POST', `/organizations/${target.orgId}/bridges`, {
    provider: 'scim',
    settings: { baseUrl: `${s.base}/api/connect/v1/scim/2.0`, token: source.token },
    maxDeactivationRatio: 1,
    syncGroups: false,
  })
  expect(created.status).toBe(201)
  const bridge = created.body
  const usersOf = async () => (await s.api('GET', `/organizations/${target.orgId}/users?source=bridge`)).body.items as any[]
  await until(usersOf, (items) => items.length === 2, 'the first sync')

  // Gone from the directory: deactivated by the next sync.
  expect((await scim(source.token, 'DELETE', `/Users/${upstream['kim@bridge.test']}`)).status).toBe(204)
  await until(async () => (await s.api('POST', `/bridges/${bridge.id}/sync`)).status, (st) => st === 200 || st === 202, 'sync now')
  const kim = await until(async () => (await usersOf()).find((u) => u.userName === 'kim@bridge.test'), (u) => u?.active === false, 'kim deactivated')
  const [event] = (await s.api('GET', `/users/${kim.id}/history`)).body.items
  expect(event).toMatchObject({ type: 'user.deactivated', reason: 'missing', source: { kind: 'bridge', bridgeId: bridge.id } })

  const { page, context } = await s.loggedIn(`/console/orgs/${target.orgId}/users/${kim.id}`)
  const first = page.locator('ol.history > li').first()
  await first.waitFor()
  const label = bridge.name || bridge.provider
  await expect(first.textContent()).resolves.toMatch(
    new RegExp(`^Deactivated by bridge ${label}, run ${event.source.runId.slice(0, 8)}, because the directory no longer has them`),
  )
  await first.getByRole('link', { name: label }).waitFor()
  expect(await first.getByRole('link', { name: label }).getAttribute('href')).toBe(`/console/orgs/${target.orgId}/bridges/${bridge.id}`)

  // The users list: the bridge filter keeps its users only.
  await page.goto(`${s.base}/console/orgs/${target.orgId}/users`)
  await page.locator('tbody tr').nth(2).waitFor()
  await page.getByLabel(/^Bridge/).selectOption(bridge.id)
  await page.waitForURL(new RegExp(`bridge=${bridge.id}`))
  await until(() => page.locator('tbody tr').count(), (n) => n === 2, 'the bridge users only')
  await expect(page.locator('tbody').textContent()).resolves.not.toContain('pushed@bridge.test')
  await page.getByLabel(/^State/).selectOption('false')
  await until(() => page.locator('tbody tr').count(), (n) => n === 1, 'the inactive bridge user only')
  await expect(page.locator('tbody tr').textContent()).resolves.toMatch(new RegExp(`kim@bridge\\.test.*inactive.*bridge ${label}`))
  await s.api('DELETE', `/bridges/${bridge.id}`)
  await context.close()
})

test('at phone width the users list, the log (a row opened) and a user page fit the screen', async () => {
  const { orgId, token } = await scimOrg('Phone Directory')
  const long = `a.very.long.user.name.that.does.not.fit.on.a.phone.${'x'.repeat(40)}@example-with-a-long-domain.test`
  expect((await scim(token, 'POST', '/Users', person(long))).status).toBe(201)
  await logged(orgId, 'status=201')
  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/users`, { width: 390, height: 844 })
  await page.getByRole('link', { name: long }).waitFor()
  expect(await noHorizontalScroll(page)).toBe(true)
  await page.goto(`${s.base}/console/orgs/${orgId}/log`)
  await logRow(page, long).getByRole('button', { name: 'Details' }).click()
  await page.locator('pre').first().waitFor()
  expect(await noHorizontalScroll(page)).toBe(true)
  // Filters stay reachable: they wrap above the table.
  await page.getByLabel('Status').fill('2xx')
  await page.getByLabel('Status').press('Enter')
  await page.waitForURL(/status=2xx/)
  expect(await noHorizontalScroll(page)).toBe(true)
  await page.goto(`${s.base}/console/orgs/${orgId}/users`)
  await page.getByRole('link', { name: long }).click()
  await page.locator('ol.history > li').first().waitFor()
  expect(await noHorizontalScroll(page)).toBe(true)
  await context.close()
})
