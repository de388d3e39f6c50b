// The console's bridges: create one with a preview against a fake SCIM directory, watch it
// sync, pause / resume / sync now, a failing bridge's banner until it is disabled and
// enabled again, the list's schedule and per-state buttons, edit (a replaced secret) and
// delete (its users stay).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Locator, Page } from 'playwright-core'
import { FakeScim, scimUser } from '../fixtures/fake-scim'
import { eventually } from '../integration/workflows/bridge/harness'
import { screenshot, startStack, type Stack } from './support'

let s: Stack
const fakes: FakeScim[] = []
const bridges: string[] = []

beforeAll(async () => {
  s = await startStack('bridges')
}, 60_000)

afterAll(async () => {
  // Deleting stops each bridge's workflow: nothing keeps running once the suite is done.
  for (const id of bridges) await s?.api('DELETE', `/bridges/${id}`)
  for (const fake of fakes) fake.stop()
  await s?.stop()
})

function fakeScim(users: number): FakeScim {
  const fake = new FakeScim().populate(users)
  fakes.push(fake)
  return fake
}

async function newOrg(name: string): Promise<string> {
  return (await s.api('POST', '/organizations', { name })).body.id
}

async function apiBridge(orgId: string, body: Record<string, unknown>): Promise<Record<string, any>> {
  const res = await s.api('POST', `/organizations/${orgId}/bridges`, body)
  expect(res.status).toBe(201)
  bridges.push(res.body.id)
  return res.body
}

const bridgeOf = async (id: string) => (await s.api('GET', `/bridges/${id}`)).body
const untilState = (id: string, state: string) => eventually(() => bridgeOf(id), (b) => b.state === state, `bridge ${id} to be ${state}`)

/** The bridge page's state badge (next to its name) once it says `state`. */
const badge = (page: Page, state: string) => page.locator(`.row.heading .badge[data-state="${state}"]`).waitFor({ timeout: 30_000 })

const action = (scope: Page | Locator, name: string) => scope.locator('.bridge-actions').getByRole('button', { name, exact: true })

/** Each action button of `scope`: disabled or not, and its reason. */
async function buttons(scope: Page | Locator): Promise<Record<string, string | null>> {
  const states: Record<string, string | null> = {}
  for (const name of ['Sync now', 'Pause', 'Resume', 'Enable']) {
    const b = action(scope, name)
    states[name] = (await b.isDisabled()) ? await b.getAttribute('title') : null
  }
  return states
}

/** The run history's rows, newest first: outcome and user counts. */
async function runs(page: Page) {
  return page.locator('table.runs tr[data-run]').evaluateAll((rows) =>
    rows.map((r) => ({
      outcome: r.querySelector('.badge')!.getAttribute('data-state'),
      ...Object.fromEntries([...r.querySelectorAll('td[data-count]')].map((td) => [td.getAttribute('data-count'), Number(td.textContent!.replace(/\D/g, ''))])),
    })),
  )
}

const untilRuns = (page: Page, ok: (r: Awaited<ReturnType<typeof runs>>) => boolean, what: string) => eventually(() => runs(page), ok, what, 30_000)

test('create a SCIM bridge: the provider help, an API validation error next to its field, the preview, save, active, pause, resume, sync now, the new run', async () => {
  const fake = fakeScim(3).populateGroups(2, 2)
  const orgId = await newOrg('Bridges Inc')
  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/bridges`)
  await page.getByText('No bridge yet').waitFor()
  await page.getByRole('link', { name: 'New bridge' }).click()
  await page.waitForURL(/\/bridges\/new$/)

  // The field list and the permissions come from the server (GET /bridge-providers).
  await page.getByLabel('Okta', { exact: true }).check()
  await expect(page.locator('.needs').textContent()).resolves.toContain('Read-only Administrator')
  await page.getByLabel('Microsoft Entra ID (Microsoft Graph)').check()
  const entra = (await page.locator('.needs').textContent())!
  for (const needed of ['User.Read.All', 'GroupMember.Read.All', 'admin consent']) expect(entra).toContain(needed)
  await page.getByLabel('SCIM 2.0 server').check()
  await expect(page.locator('.needs').textContent()).resolves.toContain('GET /Users')

  await page.getByLabel('Base URL').fill('not a url')
  await page.getByLabel('Bearer token').fill(fake.token)
  await page.getByRole('button', { name: 'Preview' }).click()
  const baseUrlField = page.locator('label.field', { has: page.getByLabel('Base URL') })
  await expect(baseUrlField.locator('.field-error').textContent()).resolves.toBe('must be a URL, such as https://example.com')
  expect(await page.getByLabel('Base URL').getAttribute('aria-invalid')).toBe('true')

  // The directory refusing the credentials: the provider's answer, for the whole form.
  await page.getByLabel('Base URL').fill(fake.settings().baseUrl)
  await page.getByLabel('Bearer token').fill('not-the-token')
  await page.getByRole('button', { name: 'Preview' }).click()
  const refused = (await page.locator('form [role=alert]').textContent())!
  expect(refused).toContain('Error (400)')
  expect(refused).toContain('returned 401')
  expect(refused).toContain('check the bearer token')
  expect(await page.locator('.field-error').count()).toBe(0)

  await page.getByLabel('Bearer token').fill(fake.token)
  await page.getByLabel('Name (optional)').fill('SCIM-prod')
  await page.getByLabel('Excluded emails').fill('user3@example.com')
  await page.getByRole('button', { name: 'Preview' }).click()
  const preview = page.getByTestId('preview')
  await preview.waitFor()
  const count = async (key: string) => Number(await preview.locator(`[data-count="${key}"]`).textContent())
  expect({ create: await count('create'), excluded: await count('excluded'), deactivate: await count('deactivate'), groups: await count('groupsCreated') }).toEqual({
    create: 2,
    excluded: 1,
    deactivate: 0,
    groups: 2,
  })
  expect(await count('membershipsAdded')).toBeGreaterThan(0)
  // A preview writes nothing.
  expect((await s.api('GET', `/organizations/${orgId}/bridges`)).body.items).toEqual([])
  await screenshot(page, 'new-bridge')

  await page.getByRole('button', { name: 'Save bridge' }).click()
  await page.waitForURL(/\/bridges\/[0-9a-f-]{36}$/)
  const id = page.url().split('/').at(-1)!
  bridges.push(id)
  await badge(page, 'active')
  await expect(page.locator('h2').textContent()).resolves.toBe('SCIM-prod')
  await untilRuns(page, (r) => r.length === 1, 'the first run')
  expect((await runs(page))[0]).toMatchObject({ outcome: 'succeeded', created: 2, excluded: 1, deactivated: 0 })
  await expect(page.getByTestId('users-managed').textContent()).resolves.toBe('2')
  // Settings without their secret; the workflow in the Temporal UI.
  await expect(page.locator('[data-setting="baseUrl"]').textContent()).resolves.toBe(fake.settings().baseUrl)
  await expect(page.locator('[data-setting="token"]').textContent()).resolves.toBe('••• set')
  expect(await page.content()).not.toContain(fake.token)
  await expect(page.getByTestId('excluded').textContent()).resolves.toBe('user3@example.com')
  expect(await page.getByRole('link', { name: 'Workflow in the Temporal UI ↗' }).getAttribute('href')).toBe(`http://127.0.0.1:8233/namespaces/default/workflows/bridge-${id}`)
  await screenshot(page, 'bridge')

  await action(page, 'Pause').click()
  await badge(page, 'paused')
  expect((await bridgeOf(id)).state).toBe('paused')
  expect(await buttons(page)).toEqual({
    'Sync now': 'the bridge is paused: resume it to sync',
    Pause: 'the bridge is already paused',
    Resume: null,
    Enable: 'the bridge is not disabled (it is paused); only a disabled bridge can be enabled',
  })

  await action(page, 'Resume').click()
  await badge(page, 'active')
  expect((await bridgeOf(id)).state).toBe('active')
  await untilRuns(page, (r) => r.length === 2 && r[0]!.outcome === 'succeeded', 'the run after resume')

  fake.directory.add(scimUser(4))
  await action(page, 'Sync now').click()
  const after = await untilRuns(page, (r) => r.length === 3 && r[0]!.outcome === 'succeeded', 'the run of sync now')
  expect(after[0]).toMatchObject({ created: 1, updated: 0, unchanged: 2, excluded: 1 })
  await expect(page.getByTestId('users-managed').textContent()).resolves.toBe('3')
  await context.close()
}, 90_000)

test('a failing bridge shows its error and the retry time; disabled, only Enable is left; fixed, Enable brings it back', async () => {
  const fake = fakeScim(2)
  fake.rejectCredentials = true
  const orgId = await newOrg('Failing Ltd')
  const bridge = await apiBridge(orgId, {
    provider: 'scim',
    name: 'Flaky directory',
    settings: fake.settings(),
    retry: { initialIntervalSeconds: 40, maximumIntervalSeconds: 60, maxConsecutiveFailures: 2 },
  })
  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/bridges/${bridge.id}`)
  await badge(page, 'failed')
  const banner = page.getByTestId('bridge-error')
  const failed = (await banner.textContent())!
  expect(failed).toStartWith('The last sync failed: ')
  expect(failed).toContain(`GET ${fake.settings().baseUrl}/Users returned 401`)
  expect(failed).toContain('check the bearer token')
  expect(failed).toMatch(/Next attempt in [1-4]?\d s \(failure 1 of 2\); after 2 consecutive failures the bridge is disabled\./)
  await untilRuns(page, (r) => r.length === 1, 'the failed run')
  expect((await runs(page))[0]!.outcome).toBe('failed')
  await expect(page.locator('table.runs tr.run-detail').textContent()).resolves.toContain('returned 401')
  await screenshot(page, 'bridge-failed')

  // Sync now does not wait for the retry: the second failure disables it.
  await action(page, 'Sync now').click()
  await badge(page, 'disabled')
  await expect(banner.textContent()).resolves.toContain('Disabled after 2 consecutive failures: no sync runs until you enable it.')
  expect(await buttons(page)).toEqual({
    'Sync now': 'the bridge is disabled after 2 consecutive failures: enable it to sync',
    Pause: 'the bridge is disabled after 2 consecutive failures; enable it instead of pausing it',
    Resume: 'the bridge is not paused (it is disabled)',
    Enable: null,
  })

  fake.rejectCredentials = false
  await action(page, 'Enable').click()
  await badge(page, 'active')
  expect(await banner.count()).toBe(0)
  expect(await bridgeOf(bridge.id)).toMatchObject({ state: 'active', consecutiveFailures: 0, lastError: null, usersManaged: 2 })
  await context.close()
}, 90_000)

test('the list: the schedule as words, users managed, each button disabled per state with the reason; delete keeps the users', async () => {
  const orgId = await newOrg('Three Bridges')
  const steady = fakeScim(3)
  const slow = fakeScim(2).hangNext(1)
  const active = await apiBridge(orgId, { provider: 'scim', name: 'Steady', settings: steady.settings() })
  await untilState(active.id, 'active')
  const syncing = await apiBridge(orgId, { provider: 'scim', name: 'Slow', settings: slow.settings() })
  const paused = await apiBridge(orgId, { provider: 'scim', settings: fakeScim(1).settings(), syncGroups: false })
  await untilState(paused.id, 'active')
  await s.api('POST', `/bridges/${paused.id}/pause`)

  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/bridges`)
  const row = (id: string) => page.locator(`tr[data-bridge="${id}"]`)
  const scheduleOf = (id: string) => row(id).getByTestId('schedule').textContent()
  await eventually(() => scheduleOf(syncing.id), (t) => /^syncing for \d+ s$/.test(t ?? ''), 'the slow bridge to show how long it has been syncing', 30_000)
  expect(await scheduleOf(active.id)).toMatch(/^next sync in (59|60) min$/)
  expect(await scheduleOf(paused.id)).toBe('no sync until resumed')
  await expect(row(active.id).locator('td[data-label="Users managed"]').textContent()).resolves.toBe('3')
  await expect(row(paused.id).locator('td[data-label="Bridge"] a').textContent()).resolves.toBe('SCIM 2.0 server') // no name: its provider
  expect(await buttons(row(active.id))).toEqual({
    'Sync now': null,
    Pause: null,
    Resume: 'the bridge is not paused (it is active)',
    Enable: 'the bridge is not disabled (it is active); only a disabled bridge can be enabled',
  })
  expect(await buttons(row(syncing.id))).toMatchObject({ 'Sync now': null, Pause: null, Resume: 'the bridge is not paused (it is syncing)' })
  expect(await buttons(row(paused.id))).toMatchObject({ 'Sync now': 'the bridge is paused: resume it to sync', Pause: 'the bridge is already paused', Resume: null })
  // The page moves on its own: the seconds of the slow sync go up without a reload.
  const first = Number((await scheduleOf(syncing.id))!.match(/\d+/)![0])
  await eventually(() => scheduleOf(syncing.id), (t) => Number(t!.match(/\d+/)?.[0]) > first, 'the syncing time to grow', 10_000)
  await screenshot(page, 'bridges')

  await row(active.id).getByRole('button', { name: 'Delete', exact: true }).click()
  const dialog = page.getByRole('dialog', { name: 'Delete the bridge Steady?' })
  await expect(dialog.textContent()).resolves.toContain('The 3 users it made stay as they are now')
  await dialog.getByRole('button', { name: 'Delete bridge' }).click()
  await row(active.id).waitFor({ state: 'detached' })
  expect((await s.api('GET', `/bridges/${active.id}`)).status).toBe(404)
  const [kept] = await s.sql<{ n: number }[]>`select count(*)::int as n from users where organization_id = ${orgId} and bridge_id = ${active.id} and active`
  expect(kept!.n).toBe(3)
  await context.close()
}, 90_000)

test('edit: only what changed is sent, a refused value is shown at its field, a replaced secret is used by the next sync', async () => {
  const fake = fakeScim(3)
  const orgId = await newOrg('Edits')
  const bridge = await apiBridge(orgId, { provider: 'scim', settings: fake.settings() })
  await untilState(bridge.id, 'active')
  const { page, context } = await s.loggedIn(`/console/orgs/${orgId}/bridges`)
  await page.locator(`tr[data-bridge="${bridge.id}"]`).getByRole('link', { name: 'Edit' }).click()
  const form = page.getByRole('form', { name: 'Edit bridge' })
  await form.waitFor()
  expect(await form.getByLabel('Bearer token').inputValue()).toBe('')
  expect(await form.getByLabel('Bearer token').getAttribute('placeholder')).toBe('••• set: leave empty to keep it')

  await form.getByLabel('Sync interval (seconds)').fill('0')
  await form.getByRole('button', { name: 'Save changes' }).click()
  await expect(form.locator('label.field', { has: page.getByLabel('Sync interval (seconds)') }).locator('.field-error').textContent()).resolves.toBe('at least 1 second')

  await form.getByLabel('Sync interval (seconds)').fill('1800')
  await form.getByLabel('Name (optional)').fill('Renamed')
  await form.getByLabel('Excluded emails').fill('user2@example.com')
  await form.getByLabel('Disable after this many failures in a row').fill('5')
  // Excluding 1 of 3 users deactivates a third of them: above the default guard of 20 %.
  await form.getByLabel('Largest share of its users one sync may deactivate (%)').fill('50')
  await form.getByLabel('Bearer token').fill('a-wrong-token')
  await form.getByRole('button', { name: 'Save changes' }).click()
  await form.waitFor({ state: 'detached' })
  expect(page.url()).not.toContain('edit')
  const saved = await bridgeOf(bridge.id)
  // The first retry was the interval's default, untouched: it follows the new interval.
  expect(saved).toMatchObject({ name: 'Renamed', intervalSeconds: 1800, excludedEmails: ['user2@example.com'], maxDeactivationRatio: 0.5, retry: { initialIntervalSeconds: 1800, maxConsecutiveFailures: 5 } })
  expect(saved.settings).toEqual({ baseUrl: fake.settings().baseUrl })
  await page.locator('h2', { hasText: 'Renamed' }).waitFor()

  await action(page, 'Sync now').click()
  await badge(page, 'failed')
  await expect(page.getByTestId('bridge-error').textContent()).resolves.toContain('returned 401')

  await page.getByRole('link', { name: 'Edit' }).click()
  await form.getByLabel('Bearer token').fill(fake.token)
  await form.getByRole('button', { name: 'Save changes' }).click()
  await form.waitFor({ state: 'detached' })
  await action(page, 'Sync now').click()
  await badge(page, 'active')
  const latest = await untilRuns(page, (r) => r[0]!.outcome === 'succeeded' && r.length === 3, 'the sync with the new token')
  expect(latest[0]).toMatchObject({ deactivated: 1, excluded: 1 })

  // At phone width the page fits, its tables stacked as labelled cards.
  await page.setViewportSize({ width: 390, height: 844 })
  expect(await page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')).toBe(true)
  await context.close()
}, 90_000)
