// The console's shell, organizations and SCIM configuration pages: what an admin sees
// and does first, at laptop and phone width, with the keyboard.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { screenshot, startStack, type Stack } from './support'

let s: Stack
beforeAll(async () => {
  s = await startStack('orgs')
}, 60_000)
afterAll(() => s?.stop())

const noHorizontalScroll = (page: Page) => page.evaluate<boolean>('document.documentElement.scrollWidth <= window.innerWidth')

test('the login page', async () => {
  const context = await s.browser.newContext({ viewport: { width: 1280, height: 700 } })
  const page = await context.newPage()
  await page.goto(`${s.base}/console/login`)
  await page.getByLabel('Admin token or access key').waitFor()
  await screenshot(page, 'login')
  await context.close()
})

test('create an organization, enable SCIM (token shown once, copied), rotate, delete with a confirmation that says what stops and what stays', async () => {
  const { page, context } = await s.loggedIn()
  await page.getByLabel('New organization').fill('Acme Corp')
  await page.getByRole('button', { name: 'Create organization' }).click()
  await page.waitForURL(/\/console\/orgs\/[0-9a-f-]{36}$/)
  const orgId = page.url().split('/').at(-1)!
  await page.getByText('SCIM is off').waitFor()
  await expect(page.getByTestId('endpoint').textContent()).resolves.toBe(`${s.base}/api/connect/v1/scim/2.0`)

  await page.getByRole('button', { name: 'Enable SCIM' }).click()
  const token = await page.getByTestId('secret').textContent()
  expect(token).toMatch(/^scim_[A-Za-z0-9_-]{43}$/)
  await page.getByRole('button', { name: 'Copy token' }).click()
  expect(await page.evaluate<string>('navigator.clipboard.readText()')).toBe(token!)
  await page.getByText('Set up Microsoft Entra ID').click()
  await page.getByText(`${s.base}/api/connect/v1/scim/2.0?aadOptscim062020`).waitFor()
  await screenshot(page, 'scim')
  // The token works: SCIM answers with it.
  const scim = await fetch(`${s.base}/api/connect/v1/scim/2.0/Users`, { headers: { authorization: `Bearer ${token}` } })
  expect(scim.status).toBe(200)

  // Shown once: a reload does not show it again.
  await page.reload()
  await page.getByText('SCIM is on').waitFor()
  expect(await page.getByTestId('secret').count()).toBe(0)

  await page.getByRole('button', { name: 'Rotate token' }).click()
  const rotate = page.getByRole('dialog', { name: 'Rotate the SCIM token?' })
  await expect(rotate.textContent()).resolves.toContain('stops working at once')
  await rotate.getByRole('button', { name: 'Rotate token' }).click()
  await page.getByText('New token. The old one stopped working just now.').waitFor()
  const rotated = await page.getByTestId('secret').textContent()
  expect(rotated).not.toBe(token)
  expect((await fetch(`${s.base}/api/connect/v1/scim/2.0/Users`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401)

  await page.getByRole('button', { name: 'Delete' }).click()
  const del = page.getByRole('dialog', { name: 'Delete the SCIM configuration?' })
  await expect(del.textContent()).resolves.toContain('The users and groups it created stay')
  // Cancel first: nothing happens.
  await del.getByRole('button', { name: 'Cancel' }).click()
  expect((await s.api('GET', `/organizations/${orgId}/scim-configuration`)).status).toBe(200)
  await page.getByRole('button', { name: 'Delete' }).click()
  await del.getByRole('button', { name: 'Delete SCIM configuration' }).click()
  await page.getByText('SCIM is off').waitFor()
  expect((await s.api('GET', `/organizations/${orgId}/scim-configuration`)).status).toBe(404)
  await context.close()
})

test('the organization list shows SCIM on/off, bridges with their worst state, and active users', async () => {
  const name = `Listed ${crypto.randomUUID().slice(0, 8)}`
  const org = (await s.api('POST', '/organizations', { name })).body
  await s.api('POST', `/organizations/${org.id}/scim-configuration`)
  await s.sql`insert into users (organization_id, user_name, active) values (${org.id}, 'one@listed.test', true), (${org.id}, 'two@listed.test', true), (${org.id}, 'gone@listed.test', false)`
  await s.sql`
    insert into bridges (organization_id, provider, settings_encrypted, interval_seconds, state) values
      (${org.id}, 'okta', 'x', 3600, 'active'), (${org.id}, 'google-workspace', 'x', 3600, 'failed'), (${org.id}, 'scim', 'x', 3600, 'paused')`
  const { page, context } = await s.loggedIn()
  // Typed once the page has settled (its first list shown): on a loaded machine a box typed
  // into while the app still mounted its page lost the text, and the search never ran.
  await page.locator('table.list').waitFor()
  // Many organizations: the search narrows the list, and the URL keeps it.
  await page.getByLabel('Search by name').fill(name.toLowerCase())
  await page.waitForURL(/\?q=listed/)
  // The list reloads after the URL changes: wait for the narrowed one (polled from here:
  // the page's CSP rightly forbids the eval that waitForFunction would need).
  for (let i = 0; i < 100 && (await page.locator('table.list tbody tr').count()) !== 1; i++) await Bun.sleep(50)
  const row = page.getByRole('row').filter({ hasText: name })
  await expect(row.textContent()).resolves.toMatch(new RegExp(`${name}.*on.*3 bridges.*worst: failed.*2`))
  expect(await page.getByRole('row').count()).toBe(2) // the header and this one
  await screenshot(page, 'organizations')
  await context.close()
  // These rows have no workflow and no real settings: a worker started later (another
  // test's) would start workflows for them and fail their syncs on its task queue.
  await s.sql`delete from bridges where organization_id = ${org.id}`
})

test('at phone width every page fits the screen and the tables read as labelled cards', async () => {
  const org = (await s.api('POST', '/organizations', { name: 'Phone Co' })).body
  const { page, context } = await s.loggedIn('/console', { width: 390, height: 844 })
  expect(await noHorizontalScroll(page)).toBe(true)
  const label = await page.locator('td[data-label="Active users"]').first().evaluate((td) => (globalThis as any).getComputedStyle(td, '::before').content as string)
  expect(label).toBe('"Active users"')
  for (const tab of ['', '/log', '/users', '/groups', '/bridges', '/webhooks']) {
    await page.goto(`${s.base}/console/orgs/${org.id}${tab}`)
    await page.getByRole('navigation', { name: 'organization' }).waitFor()
    await page.waitForLoadState('networkidle')
    expect({ tab, fits: await noHorizontalScroll(page) }).toEqual({ tab, fits: true })
  }
  await context.close()
})

test('keyboard only: skip link, navigation and actions are reachable with Tab and work with Enter', async () => {
  const org = (await s.api('POST', '/organizations', { name: 'Keyboard Ltd' })).body
  const { page, context } = await s.loggedIn(`/console/orgs/${org.id}`)
  await page.getByRole('button', { name: 'Enable SCIM' }).waitFor()
  await page.keyboard.press('Tab')
  await expect(page.evaluate<string>('document.activeElement?.textContent')).resolves.toBe('Skip to content')
  // Tab until the Enable button has focus, then press Enter.
  for (let i = 0; i < 40; i++) {
    if ((await page.evaluate<string>('document.activeElement?.textContent')) === 'Enable SCIM') break
    await page.keyboard.press('Tab')
  }
  await page.keyboard.press('Enter')
  await page.getByTestId('secret').waitFor()
  expect((await s.api('GET', `/organizations/${org.id}/scim-configuration`)).status).toBe(200)
  // The focused element is visibly outlined.
  await page.getByRole('button', { name: 'Copy token' }).focus()
  const outline = await page.evaluate<string>('getComputedStyle(document.activeElement).outlineStyle')
  expect(outline).toBe('solid')
  await context.close()
})

test('an unknown console path says so, with a way back', async () => {
  const { page, context } = await s.loggedIn('/console/nothing-here')
  await page.getByRole('heading', { name: 'Not found' }).waitFor()
  await page.getByRole('link', { name: 'Back to the organizations' }).click()
  await page.getByRole('heading', { name: 'Organizations' }).waitFor()
  await context.close()
})
