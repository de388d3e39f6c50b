// The access keys page against a live serve: a key minted bound to one organization
// (shown once, never cached) logs in to the console and sees that organization only;
// revoking it ends that console session at its next call. A key without the admin scope
// cannot log in.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Page } from 'playwright-core'
import { screenshot, startStack, type Stack } from './support'

let s: Stack
beforeAll(async () => {
  s = await startStack('access-keys')
}, 60_000)
afterAll(() => s?.stop())

/** A fresh browser context (no session) logging in with `token`. */
async function logInWith(token: string): Promise<{ page: Page; close: () => Promise<void> }> {
  const context = await s.browser.newContext({ viewport: { width: 1280, height: 860 } })
  const page = await context.newPage()
  await page.goto(`${s.base}/console/login`)
  await page.getByLabel('Admin token or access key').fill(token)
  await page.getByRole('button', { name: 'Log in' }).click()
  return { page, close: () => context.close() }
}

/** What the admin API answers the page's own session. */
const fromPage = (page: Page, path: string) =>
  page.evaluate(async (p) => {
    const res = await fetch(`/api/admin/v1${p}`)
    return { status: res.status, body: (await res.json()) as any }
  }, path)

test('an admin key bound to an organization: shown once, logs in to that organization only, and revoking it ends the session', async () => {
  // Names of this run's own: the database may hold other runs' organizations and keys.
  const run = crypto.randomUUID().slice(0, 8)
  const acme = (await s.api('POST', '/organizations', { name: `Keyed Acme ${run}` })).body
  const other = (await s.api('POST', '/organizations', { name: `Someone Else ${run}` })).body
  const keyName = `acme console ${run}`
  const { page, context } = await s.loggedIn('/console/keys')
  await page.getByRole('heading', { name: 'Create a key' }).waitFor()

  await page.getByRole('textbox', { name: /^Name/ }).fill(keyName)
  await page.getByRole('checkbox', { name: /^admin:/ }).check()
  await page.getByRole('searchbox').fill(run)
  await page.getByRole('option', { name: acme.name }).waitFor({ state: 'attached' })
  await page.getByRole('combobox').selectOption(acme.id)
  const created = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/admin/v1/api-keys'))
  await page.getByRole('button', { name: 'Create key' }).click()
  expect((await created).status()).toBe(201)
  expect((await created).headers()['cache-control']).toBe('no-store')
  const key = (await page.getByTestId('secret').textContent())!
  expect(key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/)
  const row = page.getByRole('row', { name: new RegExp(keyName) })
  await row.getByRole('link', { name: acme.name }).waitFor()
  expect(await row.textContent()).toContain('never')
  await screenshot(page, 'access-keys')

  await page.reload()
  await row.waitFor()
  expect(await page.getByTestId('secret').count()).toBe(0)
  expect(await page.content()).not.toContain(key)

  // The key logs in, in a browser of its own, and lands on its organization: nothing else is there.
  const second = await logInWith(key)
  await second.page.waitForURL(`${s.base}/console/orgs/${acme.id}`)
  await second.page.getByText(acme.name).first().waitFor()
  expect(await second.page.getByRole('navigation', { name: 'main' }).getByRole('link').count()).toBe(0)
  const orgs = await fromPage(second.page, '/organizations')
  expect(orgs.body.items.map((o: { id: string }) => o.id)).toEqual([acme.id])
  expect((await fromPage(second.page, `/organizations/${other.id}`)).status).toBe(404)
  await second.page.goto(`${s.base}/console/orgs/${other.id}`)
  await expect(second.page.getByRole('alert').textContent()).resolves.toContain('does not exist')
  await second.page.goto(`${s.base}/console/orgs/${acme.id}`)
  await second.page.getByRole('link', { name: 'Webhooks' }).waitFor()

  // Its use shows in the list.
  await page.reload()
  await row.getByText('never').waitFor({ state: 'detached' })

  // Revoked in the first browser: the confirmation says what stops working.
  await row.getByRole('button', { name: 'Revoke' }).click()
  const dialog = page.getByRole('dialog', { name: `Revoke “${keyName}”?` })
  await expect(dialog.textContent()).resolves.toContain('A console session logged in with this key ends too')
  await dialog.getByRole('button', { name: 'Revoke key' }).click()
  await row.waitFor({ state: 'detached' })
  expect((await s.api('GET', '/api-keys')).body.items.map((k: { name: string }) => k.name)).not.toContain(keyName)

  // The second browser's next call is refused and the page goes to the login.
  const refused = second.page.waitForResponse((r) => r.url().includes('/api/admin/v1/'))
  await second.page.getByRole('link', { name: 'Webhooks' }).click()
  expect((await refused).status()).toBe(401)
  await second.page.waitForURL(/\/console\/login\?next=/)
  await second.close()
  await context.close()
})

test('a key without the admin scope cannot log in to the console, and the form says why', async () => {
  const minted = await s.api('POST', '/api-keys', { name: 'reader', scopes: ['directory:read', 'events:read'] })
  const { page, close } = await logInWith(minted.body.key)
  await expect(page.getByRole('alert').textContent()).resolves.toContain('the console needs a key with the admin scope; this one has directory:read, events:read')
  expect(page.url()).toContain('/console/login')
  expect(await page.context().cookies()).toEqual([])
  await close()
  expect((await s.api('DELETE', `/api-keys/${minted.body.id}`)).status).toBe(204)
})
