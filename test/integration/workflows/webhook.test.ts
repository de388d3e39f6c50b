// Webhook endpoints on the real Temporal dev server: every event delivered in order and
// signed, through a receiver that goes down and comes back, one that never comes back
// (disabled, visible by WebhookState), pause and resume, replay, a test ping, a rotated secret.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { WebhookReceiver } from '../../fixtures/webhook-receiver'
import { eventually, harness, type Harness } from './bridge/harness'
import { admin, newOrg, testApp, type Reply } from '../../support'
import { client, userBody } from '../server/scim/helpers'

let h: Harness
const receivers: WebhookReceiver[] = []

beforeAll(async () => {
  h = await harness('webhooks')
})
afterAll(async () => {
  for (const r of receivers) r.stop()
  await h?.stop()
})

/** An organization with a SCIM token and an endpoint pointing at a fresh receiver. */
async function setup(body: Record<string, unknown> = {}) {
  const receiver = new WebhookReceiver()
  receivers.push(receiver)
  const { orgId, token } = await newOrg(h.app)
  const res: Reply = await h.api('POST', `/organizations/${orgId}/webhooks`, { url: receiver.url, ...body })
  expect(res.status).toBe(201)
  receiver.secret = res.body.secret
  return { orgId, receiver, endpoint: res.body, scim: client(h.app, token), res }
}

const createUsers = async (scim: ReturnType<typeof client>, n: number) => {
  const ids: string[] = []
  for (let i = 0; i < n; i++) ids.push((await scim('POST', '/Users', userBody())).body.id)
  return ids
}

/** The organization's event ids, oldest first. */
const eventIds = async (orgId: string, types?: string) =>
  ((await h.api('GET', `/organizations/${orgId}/events?limit=1000${types ? `&types=${types}` : ''}`)).body.items as { id: string }[]).map((e) => e.id)

const untilWebhook = (id: string, ok: (w: any) => boolean, what: string) => eventually(() => h.api('GET', `/webhooks/${id}`).then((r: Reply) => r.body), ok, what)

test('every event reaches the endpoint once it exists, in order, signed; the delivery log shows each', async () => {
  const { orgId, receiver, endpoint, scim, res } = await setup()
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(endpoint).toMatchObject({ state: 'active', workflowId: `webhook-${endpoint.id}`, consecutiveFailures: 0 })
  expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/)
  expect(JSON.stringify((await h.api('GET', `/webhooks/${endpoint.id}`)).body)).not.toContain(endpoint.secret)

  const ids = await createUsers(scim, 5)
  await scim('PATCH', `/Users/${ids[0]}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] })
  const expected = await eventIds(orgId)
  expect(expected).toHaveLength(6)
  await eventually(async () => receiver.uniqueIds(), (got) => got.length >= 6, 'six deliveries')
  expect(receiver.uniqueIds()).toEqual(expected)
  expect(receiver.rejected).toEqual([])
  expect(receiver.received.at(-1)!.event).toMatchObject({ type: 'user.deactivated', changes: { active: [true, false] }, data: { id: ids[0] } })

  const log = await eventually(() => h.api('GET', `/webhooks/${endpoint.id}/deliveries`).then((r: Reply) => r.body.items), (items: any[]) => items.length >= 6, 'the delivery log')
  expect(log[0]).toMatchObject({ ok: true, responseStatus: 200, responseExcerpt: 'ok', eventType: 'user.deactivated' })
  // The state search attribute is written when the state moves, not after each delivery.
  const history = await h.temporal.client.workflow.getHandle(`webhook-${endpoint.id}`).fetchHistory()
  const stateWrites = (history.events ?? []).filter((e) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.WebhookState)
  expect(stateWrites).toHaveLength(1) // at start; six deliveries later, still active
})

test('a receiver that is down gets every event, in order, once it is back', async () => {
  const { orgId, receiver, endpoint, scim } = await setup({ retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 1, maxConsecutiveFailures: 100 } })
  receiver.failing = true
  await createUsers(scim, 4)
  // It fails a few times (the failures count), then comes back.
  await untilWebhook(endpoint.id, (w) => w.consecutiveFailures >= 2, 'failed deliveries to be counted')
  await createUsers(scim, 3)
  receiver.failing = false
  const expected = await eventIds(orgId)
  await eventually(async () => receiver.uniqueIds(), (got) => got.length >= expected.length, 'every event after the outage')
  expect(receiver.uniqueIds()).toEqual(expected)
  const back = await untilWebhook(endpoint.id, (w) => w.consecutiveFailures === 0, 'the failure counter to reset')
  expect(back).toMatchObject({ state: 'active', lastError: null })
  const log: any[] = (await h.api('GET', `/webhooks/${endpoint.id}/deliveries?limit=200`)).body.items
  expect(log.some((d) => !d.ok && d.responseStatus === 503 && d.responseExcerpt === 'down for maintenance')).toBe(true)
})

test('a receiver that never answers is disabled at the limit (WebhookState in Temporal), and enable resumes where it stopped', async () => {
  const { orgId, receiver, endpoint, scim } = await setup({ retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 1, maxConsecutiveFailures: 3 } })
  receiver.failing = true
  await createUsers(scim, 2)
  const disabled = await untilWebhook(endpoint.id, (w) => w.state === 'disabled', 'the endpoint to be disabled')
  expect(disabled.consecutiveFailures).toBe(3)
  expect(disabled.lastError).toContain('the endpoint answered 503')
  const listed = await eventually(async () => {
    const found: string[] = []
    for await (const wf of h.temporal.client.workflow.list({ query: `WebhookState = "disabled" AND WebhookId = "${endpoint.id}" AND OrganizationId = "${orgId}"` })) found.push(wf.workflowId)
    return found
  }, (found) => found.length === 1, 'the workflow listed as disabled')
  expect(listed).toEqual([`webhook-${endpoint.id}`])
  expect((await h.api('POST', `/webhooks/${endpoint.id}/pause`)).status).toBe(409) // only an active endpoint pauses

  receiver.failing = false
  const enabled = await h.api('POST', `/webhooks/${endpoint.id}/enable`)
  expect(enabled.body).toMatchObject({ state: 'active', consecutiveFailures: 0 })
  await eventually(async () => receiver.uniqueIds(), (got) => got.length >= 2, 'the events after enable')
  expect(receiver.uniqueIds()).toEqual(await eventIds(orgId))
})

test('pause holds deliveries, resume sends them; replay sends again from an event id; only wanted types are sent', async () => {
  const { orgId, receiver, endpoint, scim } = await setup({ eventTypes: ['user.created'] })
  const paused = await h.api('POST', `/webhooks/${endpoint.id}/pause`)
  expect(paused.body.state).toBe('paused')
  const [first] = await createUsers(scim, 3)
  await scim('DELETE', `/Users/${first}`) // user.deleted: not a wanted type
  await Bun.sleep(500)
  expect(receiver.received).toEqual([])
  expect((await h.api('POST', `/webhooks/${endpoint.id}/resume`)).body.state).toBe('active')
  const created = await eventIds(orgId, 'user.created')
  await eventually(async () => receiver.uniqueIds(), (got) => got.length >= 3, 'the held events')
  expect(receiver.uniqueIds()).toEqual(created)
  expect(receiver.received.map((r) => r.type)).not.toContain('user.deleted')

  const replay = await h.api('POST', `/webhooks/${endpoint.id}/replay`, { after: created[0] })
  expect(replay.status).toBe(200)
  await eventually(async () => receiver.received.length, (n) => n >= 5, 'the replayed events')
  expect(receiver.received.slice(3).map((r) => r.id)).toEqual(created.slice(1))
  expect((await h.api('POST', `/webhooks/${endpoint.id}/replay`, { after: 'evt_1' })).status).toBe(400)
})

test('the view shows the retry in force and the progress: events held while paused, how far behind, the last delivery', async () => {
  const { orgId, receiver, endpoint, scim } = await setup({ retry: { maxConsecutiveFailures: 7 } })
  expect(endpoint).toMatchObject({ retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 600, maxConsecutiveFailures: 7 }, pendingEvents: 0, oldestPendingAt: null, lastDelivery: null })
  expect((await h.api('POST', `/webhooks/${endpoint.id}/pause`)).body.state).toBe('paused')
  const before = Date.now()
  await createUsers(scim, 3)
  const [first] = await eventIds(orgId)
  const held = (await h.api('GET', `/webhooks/${endpoint.id}`)).body
  expect(held).toMatchObject({ state: 'paused', pendingEvents: 3, lastDelivery: null })
  expect(Date.parse(held.oldestPendingAt)).toBeGreaterThanOrEqual(before - 1000)
  expect(held.position === null || held.position < first!).toBe(true)
  const [listed] = (await h.api('GET', `/organizations/${orgId}/webhooks`)).body.items
  expect(listed).toMatchObject({ id: endpoint.id, pendingEvents: 3, oldestPendingAt: held.oldestPendingAt })

  await h.api('POST', `/webhooks/${endpoint.id}/resume`)
  const caughtUp = await untilWebhook(endpoint.id, (w) => w.pendingEvents === 0, 'the held events to be delivered')
  expect(receiver.uniqueIds()).toHaveLength(3)
  expect(caughtUp).toMatchObject({ oldestPendingAt: null, position: (await eventIds(orgId)).at(-1), lastDelivery: { ok: true, responseStatus: 200 } })
})

test('a test ping, and a rotated secret signs what follows', async () => {
  const { receiver, endpoint, scim } = await setup()
  const ping = await h.api('POST', `/webhooks/${endpoint.id}/test`)
  expect(ping.body).toMatchObject({ ok: true, responseStatus: 200, eventType: 'webhook.test' })
  expect(receiver.received.map((r) => r.type)).toEqual(['webhook.test'])

  const rotated = await h.api('POST', `/webhooks/${endpoint.id}/rotate-secret`)
  expect(rotated.headers.get('cache-control')).toBe('no-store')
  expect(rotated.body.secret).not.toBe(receiver.secret)
  receiver.secret = rotated.body.secret
  await createUsers(scim, 1)
  await eventually(async () => receiver.received.length, (n) => n >= 2, 'a delivery signed with the new secret')
  expect(receiver.rejected).toEqual([])
})

test('hostile input: bad URLs, types and retries are 400; another organization\'s endpoint is 404; a deleted endpoint stops its workflow', async () => {
  const { orgId } = await newOrg(h.app)
  for (const body of [{ url: 'ftp://example.com' }, { url: 'not a url' }, { url: 'http://x', eventTypes: ['user.exploded'] }, { url: 'http://x', eventTypes: [] }, {}]) {
    const r = await h.api('POST', `/organizations/${orgId}/webhooks`, body)
    expect(r.status).toBe(400)
  }
  // A first wait above the cap would be a retry policy Temporal refuses: 400, on create and on a merged PATCH.
  const above = await h.api('POST', `/organizations/${orgId}/webhooks`, { url: 'http://127.0.0.1:1/hook', retry: { initialIntervalSeconds: 700 } })
  expect(above.status).toBe(400)
  expect(above.body.error.message).toBe('retry: initialIntervalSeconds (700) is above maximumIntervalSeconds (600); lower the first wait or raise the cap')
  const { endpoint } = await setup({ retry: { maximumIntervalSeconds: 5 } })
  const patched = await h.api('PATCH', `/webhooks/${endpoint.id}`, { retry: { initialIntervalSeconds: 6 }, url: 'http://127.0.0.1:1/elsewhere' })
  expect(patched.status).toBe(400)
  expect((await h.api('GET', `/webhooks/${endpoint.id}`)).body).toMatchObject({ url: endpoint.url, retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 5 } })
  // null puts a field back to its default; the others stay as they were.
  expect((await h.api('PATCH', `/webhooks/${endpoint.id}`, { retry: { maxConsecutiveFailures: 7 } })).status).toBe(200)
  const reset = await h.api('PATCH', `/webhooks/${endpoint.id}`, { retry: { maximumIntervalSeconds: null, initialIntervalSeconds: 6 } })
  expect(reset.status).toBe(200)
  expect(reset.body.retry).toEqual({ initialIntervalSeconds: 6, maximumIntervalSeconds: 600, maxConsecutiveFailures: 7 })
  expect((await h.api('GET', `/webhooks/${crypto.randomUUID()}`)).status).toBe(404)
  expect((await h.api('DELETE', `/webhooks/${endpoint.id}`)).status).toBe(204)
  expect((await h.api('GET', `/webhooks/${endpoint.id}`)).status).toBe(404)
  const described = await h.temporal.client.workflow.getHandle(`webhook-${endpoint.id}`).describe()
  expect(described.status.name).toBe('TERMINATED')
})

test('outside development, an endpoint on a private address is refused (OUTBOUND_ALLOW_PRIVATE=false)', async () => {
  const { app } = await testApp({ env: { ...h.env, OUTBOUND_ALLOW_PRIVATE: 'false' }, temporal: h.temporal })
  const { orgId } = await newOrg(app)
  for (const url of ['http://127.0.0.1:9/hook', 'http://localhost/hook', 'http://169.254.169.254/latest/meta-data/', 'http://[::1]/hook', 'http://10.1.2.3/']) {
    const r = await admin(app)('POST', `/organizations/${orgId}/webhooks`, { url })
    expect(r.status).toBe(400)
    expect(r.body.error.message).toContain('only public addresses are allowed')
  }
})
