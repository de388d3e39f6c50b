// The webhook pages against a live serve + worker and a receiver on loopback that
// verifies every signature: create (the secret shown once, never cached), a test event
// and its delivery, pause and resume, a rotated secret, replay, delete.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { Page, Response } from 'playwright-core'
import { WebhookReceiver } from '../fixtures/webhook-receiver'
import { screenshot, startStack, type Stack } from './support'

let s: Stack
const receiver = new WebhookReceiver()
beforeAll(async () => {
  s = await startStack('webhooks')
}, 60_000)
afterAll(async () => {
  receiver.stop()
  await s?.stop()
})

/** Polls `f` until `ok` (deliveries go through Temporal: a moment, not an instant). */
async function until<T>(f: () => T | Promise<T>, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  for (const deadline = Date.now() + ms; ; await Bun.sleep(100)) {
    const v = await f()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(v)}`)
  }
}

/** The admin API answer to the next `method` request whose path ends with `suffix`. */
const answer = (page: Page, method: string, suffix: string): Promise<Response> =>
  page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.endsWith(suffix))

/** A user pushed over SCIM: one user.created event in the organization. */
async function pushUser(token: string, userName: string): Promise<void> {
  const res = await fetch(`${s.base}/api/connect/v1/scim/2.0/Users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
    body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, emails: [{ value: userName, primary: true }] }),
  })
  expect(res.status).toBe(201)
}

test('create an endpoint (secret once), test it, pause and resume, rotate the secret, replay, delete', async () => {
  const org = (await s.api('POST', '/organizations', { name: 'Hooked Inc' })).body
  const scim = (await s.api('POST', `/organizations/${org.id}/scim-configuration`)).body
  const { page, context } = await s.loggedIn(`/console/orgs/${org.id}/webhooks`)
  await page.getByText('No endpoint yet').waitFor()

  // Create: user.created only.
  await page.getByLabel('URL').fill(receiver.url)
  await page.getByLabel('Description').fill('HR app, directory sync')
  await page.getByLabel('Only these:').check()
  await page.getByLabel('user.created').check()
  const created = answer(page, 'POST', `/organizations/${org.id}/webhooks`)
  await page.getByRole('button', { name: 'Create endpoint' }).click()
  expect((await created).status()).toBe(201)
  expect((await created).headers()['cache-control']).toBe('no-store')
  const secret = (await page.getByTestId('secret').textContent())!
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
  receiver.secret = secret
  await page.getByText('How to verify a delivery').waitFor()
  expect(await page.getByText('webhook-signature', { exact: true }).count()).toBeGreaterThan(0)
  const [endpoint] = (await s.api('GET', `/organizations/${org.id}/webhooks`)).body.items
  expect(endpoint).toMatchObject({ url: receiver.url, eventTypes: ['user.created'], description: 'HR app, directory sync', state: 'active' })

  // A reload shows the endpoint, never its secret again.
  await page.reload()
  await page.getByRole('link', { name: receiver.url }).waitFor()
  expect(await page.getByTestId('secret').count()).toBe(0)
  expect(await page.content()).not.toContain(secret)

  // Its page: a test event, delivered and verified by the receiver, appears in the log.
  await page.getByRole('link', { name: receiver.url }).click()
  await page.getByRole('heading', { name: receiver.url }).waitFor()
  await page.getByRole('button', { name: 'Send test event' }).click()
  await page.getByText('Test event delivered').waitFor()
  expect(receiver.received.map((r) => r.type)).toEqual(['webhook.test'])
  expect(receiver.rejected).toEqual([])
  await page.getByRole('row', { name: /webhook\.test/ }).getByText('delivered').waitFor()

  // Its settings, edited in place.
  await page.getByRole('button', { name: 'Edit settings' }).click()
  await page.getByLabel('Description').fill('HR app, user sync')
  await page.getByRole('button', { name: 'Save settings' }).click()
  await page.getByText('HR app, user sync').waitFor()
  expect((await s.api('GET', `/webhooks/${endpoint.id}`)).body).toMatchObject({ description: 'HR app, user sync', eventTypes: ['user.created'] })

  // Pause: the API says paused, events are held; resume sends them.
  await page.getByRole('button', { name: 'Pause' }).click()
  await page.getByText('Paused.').waitFor()
  expect((await s.api('GET', `/webhooks/${endpoint.id}`)).body.state).toBe('paused')
  expect(await page.getByRole('button', { name: 'Pause' }).isDisabled()).toBe(true)
  expect(await page.getByRole('button', { name: 'Enable' }).isDisabled()).toBe(true)
  await pushUser(scim.token, 'held@hooked.test')
  await page.getByText('1 event so far').waitFor()
  expect(receiver.received).toHaveLength(1)
  await page.getByRole('button', { name: 'Resume' }).click()
  await page.getByText('Paused.').waitFor({ state: 'detached' })
  expect((await s.api('GET', `/webhooks/${endpoint.id}`)).body.state).toBe('active')
  await until(() => receiver.received.map((r) => r.type), (types) => types.includes('user.created'), 'the held event')
  const [held] = receiver.received.filter((r) => r.type === 'user.created')
  await page.getByRole('row', { name: new RegExp(held!.id) }).waitFor()

  // Rotate: confirmed, the new secret shown once (never cached); what follows is signed with it.
  await page.getByRole('button', { name: 'Rotate secret' }).click()
  const rotated = answer(page, 'POST', '/rotate-secret')
  await page.getByRole('dialog', { name: 'Rotate the signing secret?' }).getByRole('button', { name: 'Rotate secret' }).click()
  expect((await rotated).headers()['cache-control']).toBe('no-store')
  await page.getByText('New signing secret').waitFor()
  const next = (await page.getByTestId('secret').textContent())!
  expect(next).toMatch(/^whsec_/)
  expect(next).not.toBe(secret)
  receiver.secret = next

  // Replay from the held event: it arrives again, signed with the new secret.
  await page.getByRole('row', { name: new RegExp(held!.id) }).getByRole('button', { name: 'Resend from here' }).click()
  expect(await page.getByLabel('From event id').inputValue()).toBe(held!.id)
  await page.getByRole('button', { name: 'Replay' }).click()
  await page.getByRole('dialog', { name: 'Replay events?' }).getByRole('button', { name: 'Replay' }).click()
  await page.getByText(`Replaying from ${held!.id}`).waitFor()
  await until(() => receiver.received.filter((r) => r.id === held!.id).length, (n) => n >= 2, 'the replayed event')
  expect(receiver.rejected).toEqual([])
  await page.getByRole('row', { name: new RegExp(held!.id) }).nth(1).waitFor()
  await screenshot(page, 'webhook')

  // The list with what happened.
  await page.getByRole('link', { name: '← Webhooks' }).click()
  await page.getByRole('row', { name: /up to date/ }).waitFor()
  await screenshot(page, 'webhooks')

  // Delete, confirmed: the API no longer has it.
  await page.getByRole('link', { name: receiver.url }).click()
  await page.getByRole('button', { name: 'Delete' }).click()
  await page.getByRole('dialog', { name: 'Delete this endpoint?' }).getByRole('button', { name: 'Delete endpoint' }).click()
  await page.getByText('No endpoint yet').waitFor()
  expect((await s.api('GET', `/webhooks/${endpoint.id}`)).status).toBe(404)
  await context.close()
}, 90_000)

test('a disabled endpoint shows why and can only be enabled', async () => {
  const org = (await s.api('POST', '/organizations', { name: 'Broken Hooks' })).body
  const down = new WebhookReceiver()
  down.failing = true
  try {
    const created = await s.api('POST', `/organizations/${org.id}/webhooks`, { url: down.url, retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 1, maxConsecutiveFailures: 2 } })
    down.secret = created.body.secret
    const scim = (await s.api('POST', `/organizations/${org.id}/scim-configuration`)).body
    await pushUser(scim.token, 'lost@broken.test')
    await until(async () => (await s.api('GET', `/webhooks/${created.body.id}`)).body.state, (state) => state === 'disabled', 'the endpoint to be disabled')
    const { page, context } = await s.loggedIn(`/console/orgs/${org.id}/webhooks/${created.body.id}`)
    await expect(page.getByRole('alert').first().textContent()).resolves.toContain('the endpoint answered 503')
    for (const name of ['Pause', 'Resume']) expect(await page.getByRole('button', { name }).isDisabled()).toBe(true)
    await page.getByRole('row', { name: /down for maintenance/ }).first().waitFor()
    down.failing = false
    await page.getByRole('button', { name: 'Enable' }).click()
    await page.getByRole('button', { name: 'Pause' }).and(page.locator(':enabled')).waitFor()
    await until(() => down.received.length, (n) => n >= 1, 'the event after enable')
    await context.close()
  } finally {
    down.stop()
  }
}, 60_000)
