// The bridges admin API: validation, 404s, secrets at rest and never returned, PATCH
// merging settings, names, the refusals shown per state, the providers' form description,
// run history paging, and what happens without SECRETS_KEY.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { PROVIDERS, providers } from '../../../../bridge/providers'
import { openSettings } from '../../../../bridge/store'
import { parseSecretsKey } from '../../../../bridge/secrets'
import { FakeOkta } from '../../../fixtures/fake-okta'
import { admin, newOrg, testApp } from '../../../support'
import { createBridge, eventually, harness, runsOf, SECRETS_KEY, untilState, type Harness } from '../../workflows/bridge/harness'

let h: Harness
const okta = new FakeOkta().populate(3)

beforeAll(async () => {
  h = await harness('admin')
})

afterAll(async () => {
  await h?.stop()
  okta.stop()
})

test.each([
  [{ provider: 'ldap', settings: {} }, /^provider: /],
  [{ provider: 'okta', settings: { orgUrl: 'not a url', apiToken: 'x' } }, /^settings\.orgUrl: /],
  [{ provider: 'okta', settings: { orgUrl: 'https://x.okta.com' } }, /^settings\.apiToken: /],
  [{ provider: 'okta', settings: { orgUrl: 'https://x.okta.com', apiToken: 'x' }, intervalSeconds: 0 }, /^intervalSeconds: at least 1 second/],
  [{ provider: 'okta', settings: { orgUrl: 'https://x.okta.com', apiToken: 'x' }, retry: { maxConsecutiveFailures: 0 } }, /^retry\.maxConsecutiveFailures: /],
  [{ provider: 'okta', settings: { orgUrl: 'https://x.okta.com', apiToken: 'x' }, retry: { backoff: 3 } }, /^retry\.backoff: /],
  [{ provider: 'okta', settings: { orgUrl: 'https://x.okta.com', apiToken: 'x' }, maxDeactivationRatio: 2 }, /^maxDeactivationRatio: /],
  [{ provider: 'okta', settings: { orgUrl: 'https://x.okta.com', apiToken: 'x' }, excludedEmails: 'a@b.c' }, /^excludedEmails: /],
])('a bad create body is a 400 naming the field: %j', async (body, message) => {
  const { orgId } = await newOrg(h.app)
  const res = await h.api('POST', `/organizations/${orgId}/bridges`, body)
  expect(res.status).toBe(400)
  expect(res.body.error.code).toBe('invalid_request')
  expect(res.body.error.message).toMatch(message)
})

test('unknown or malformed ids are 404 / 400; another org is 404', async () => {
  const missing = crypto.randomUUID()
  for (const [method, path] of [['GET', ''], ['PATCH', ''], ['DELETE', ''], ['POST', '/sync'], ['POST', '/pause'], ['GET', '/runs']] as const) {
    const res = await h.api(method, `/bridges/${missing}${path}`, method === 'PATCH' ? {} : undefined)
    expect([method, path, res.status]).toEqual([method, path, 404])
  }
  expect((await h.api('GET', '/bridges/nope')).status).toBe(400)
  expect((await h.api('POST', `/organizations/${missing}/bridges`, { provider: 'okta', settings: okta.settings() })).status).toBe(404)
  expect((await h.api('GET', `/organizations/${missing}/bridges`)).status).toBe(404)
})

test('settings are encrypted at rest and their secrets never returned; PATCH merges and may replace a secret', async () => {
  const { orgId, bridge } = await createBridge(h, { provider: 'okta', settings: okta.settings(), intervalSeconds: 900 })
  expect(bridge.settings).toEqual({ orgUrl: okta.url })
  const [row] = await h.sql<{ settingsEncrypted: string }[]>`select settings_encrypted from bridges where id = ${bridge.id}`
  expect(row!.settingsEncrypted).toStartWith('v1:')
  expect(row!.settingsEncrypted).not.toContain(okta.apiToken)

  const listed = await h.api('GET', `/organizations/${orgId}/bridges`)
  expect(listed.body.items.map((b: { id: string }) => b.id)).toEqual([bridge.id])
  expect(JSON.stringify(listed.body)).not.toContain(okta.apiToken)
  await untilState(h, bridge.id, 'active')

  const patched = await h.api('PATCH', `/bridges/${bridge.id}`, { settings: { apiToken: 'rotated-token' }, retry: { maxConsecutiveFailures: 3 } })
  expect(patched.status).toBe(200)
  expect(patched.body.settings).toEqual({ orgUrl: okta.url })
  expect(patched.body.retry).toEqual({ initialIntervalSeconds: 900, maximumIntervalSeconds: 86400, maxConsecutiveFailures: 3 })
  expect(JSON.stringify(patched.body)).not.toContain('rotated-token')
  const [after] = await h.sql<{ id: string; provider: 'okta'; settingsEncrypted: string }[]>`select id, provider, settings_encrypted from bridges where id = ${bridge.id}`
  expect(openSettings(after!, parseSecretsKey(SECRETS_KEY)).settings).toEqual({ orgUrl: okta.url, apiToken: 'rotated-token' })

  const bad = await h.api('PATCH', `/bridges/${bridge.id}`, { settings: { orgUrl: 'ftp://x' } })
  expect(bad.status).toBe(400)
  expect(bad.body.error.message).toStartWith('settings.orgUrl: ')
  // A null resets a retry setting to its default.
  expect((await h.api('PATCH', `/bridges/${bridge.id}`, { retry: { maxConsecutiveFailures: null } })).body.retry.maxConsecutiveFailures).toBe(10)
  // A null takes a setting out: a required one is then missing (400, nothing changed).
  const missing = await h.api('PATCH', `/bridges/${bridge.id}`, { settings: { apiToken: null } })
  expect([missing.status, missing.body.error.message]).toEqual([400, expect.stringMatching(/^settings\.apiToken: /)])
  const [kept] = await h.sql<{ id: string; provider: 'okta'; settingsEncrypted: string }[]>`select id, provider, settings_encrypted from bridges where id = ${bridge.id}`
  expect(openSettings(kept!, parseSecretsKey(SECRETS_KEY)).settings).toEqual({ orgUrl: okta.url, apiToken: 'rotated-token' })
})

test('a null takes an optional provider setting out, back to its default (a national cloud URL back to Microsoft Graph)', async () => {
  const settings = { tenantId: 'acme.onmicrosoft.com', clientId: 'client', clientSecret: 'a-client-secret', graphBaseUrl: 'http://127.0.0.1:1/graph' }
  const { orgId, bridge } = await createBridge(h, { provider: 'microsoft-entra', settings, intervalSeconds: 3600 })
  expect(bridge.settings).toMatchObject({ graphBaseUrl: 'http://127.0.0.1:1/graph' })
  const cleared = await h.api('PATCH', `/bridges/${bridge.id}`, { settings: { graphBaseUrl: null } })
  expect(cleared.status).toBe(200)
  expect(cleared.body.settings).toEqual({ tenantId: 'acme.onmicrosoft.com', clientId: 'client' })
  await h.sql`delete from organizations where id = ${orgId}`
})

test('a bridge may have a name: set at create, renamed or removed by PATCH (null), never blank', async () => {
  const { orgId, bridge } = await createBridge(h, { provider: 'okta', name: '  Okta-prod ', settings: okta.settings() })
  expect(bridge.name).toBe('Okta-prod')
  expect((await h.api('GET', `/organizations/${orgId}/bridges`)).body.items[0].name).toBe('Okta-prod')
  const renamed = await h.api('PATCH', `/bridges/${bridge.id}`, { name: 'Okta EU' })
  expect([renamed.status, renamed.body.name]).toEqual([200, 'Okta EU'])
  // A PATCH without `name` keeps it.
  expect((await h.api('PATCH', `/bridges/${bridge.id}`, { intervalSeconds: 600 })).body).toMatchObject({ name: 'Okta EU', intervalSeconds: 600 })
  const blank = await h.api('PATCH', `/bridges/${bridge.id}`, { name: ' ' })
  expect([blank.status, blank.body.error.message]).toEqual([400, 'name: must not be empty'])
  expect((await h.api('PATCH', `/bridges/${bridge.id}`, { name: null })).body.name).toBeNull()
  const unnamed = await createBridge(h, { provider: 'okta', settings: okta.settings() })
  expect(unnamed.bridge.name).toBeNull()
  expect((await h.api('POST', `/organizations/${orgId}/bridges`, { provider: 'okta', name: 'x'.repeat(201), settings: okta.settings() })).body.error.message).toBe(
    'name: at most 200 characters',
  )
})

test("a bridge's refusals say which admin action the API would refuse now, and why", async () => {
  const { bridge } = await createBridge(h, { provider: 'okta', settings: okta.settings() })
  await untilState(h, bridge.id, 'active')
  const paused = await h.api('POST', `/bridges/${bridge.id}/pause`)
  expect(paused.body.refusals).toEqual({
    pause: null,
    resume: null,
    enable: 'the bridge is not disabled (it is paused); only a disabled bridge can be enabled',
    sync: 'the bridge is paused: resume it to sync',
  })
  // Each refusal is what the action answers.
  const sync = await h.api('POST', `/bridges/${bridge.id}/sync`)
  expect([sync.status, sync.body.error.message]).toEqual([409, paused.body.refusals.sync])
  const resumed = await h.api('POST', `/bridges/${bridge.id}/resume`)
  expect(resumed.body.refusals).toMatchObject({ pause: null, resume: `the bridge is not paused (it is ${resumed.body.state})`, sync: null })
  const active = await untilState(h, bridge.id, 'active')
  expect(active.refusals).toEqual({
    pause: null,
    resume: 'the bridge is not paused (it is active)',
    enable: 'the bridge is not disabled (it is active); only a disabled bridge can be enabled',
    sync: null,
  })
})

test("GET /bridge-providers describes each provider's settings from its schema: required, secret, how to enter it, its help", async () => {
  const res = await h.api('GET', '/bridge-providers')
  expect(res.status).toBe(200)
  expect(res.body.items.map((p: { provider: string }) => p.provider)).toEqual(providers)
  for (const p of res.body.items) {
    // Every field of the schema, in its order; secrets as the provider declares them.
    expect(p.fields.map((f: { name: string }) => f.name)).toEqual(Object.keys(PROVIDERS[p.provider as keyof typeof PROVIDERS].settings.entries))
    expect(p.fields.filter((f: { secret: boolean }) => f.secret).map((f: { name: string }) => f.name)).toEqual([...PROVIDERS[p.provider as keyof typeof PROVIDERS].secrets])
    for (const f of p.fields) expect([p.provider, f.name, f.label.length > 0, f.help.length > 0]).toEqual([p.provider, f.name, true, true])
  }
  const scim = res.body.items.find((p: { provider: string }) => p.provider === 'scim')
  expect(scim).toMatchObject({
    label: 'SCIM 2.0 server',
    needs: [expect.stringContaining('GET /Users'), expect.any(String)],
    fields: [
      { name: 'baseUrl', label: 'Base URL', required: true, secret: false, input: 'url', help: expect.stringContaining('/Users') },
      { name: 'token', label: 'Bearer token', required: true, secret: true, input: 'text', help: expect.any(String) },
    ],
  })
  const entra = res.body.items.find((p: { provider: string }) => p.provider === 'microsoft-entra')
  expect(entra.needs.join(' ')).toContain('User.Read.All')
  expect(entra.needs.join(' ')).toContain('GroupMember.Read.All')
  expect(entra.fields.map((f: { name: string; required: boolean }) => [f.name, f.required])).toEqual([
    ['tenantId', true], ['clientId', true], ['clientSecret', true], ['graphBaseUrl', false], ['loginBaseUrl', false],
  ])
  const google = res.body.items.find((p: { provider: string }) => p.provider === 'google-workspace')
  expect(google.needs.join(' ')).toContain('admin.directory.group.readonly')
  expect(google.fields[0]).toMatchObject({ name: 'serviceAccountKey', input: 'multiline', secret: true })
})

test('run history: newest first, paged by cursor', async () => {
  const { bridge } = await createBridge(h, { provider: 'okta', settings: okta.settings() })
  await untilState(h, bridge.id, 'active')
  for (let i = 0; i < 2; i++) {
    const before = (await runsOf(h, bridge.id)).length
    expect((await h.api('POST', `/bridges/${bridge.id}/sync`)).status).toBe(200)
    await eventually(() => runsOf(h, bridge.id), (runs) => runs.length > before && runs[0]!.outcome === 'succeeded', 'the run')
  }
  const all = await runsOf(h, bridge.id)
  expect(all).toHaveLength(3)
  expect(all.map((r) => r.startedAt)).toEqual([...all.map((r) => r.startedAt)].sort().reverse())
  const first = await h.api('GET', `/bridges/${bridge.id}/runs?limit=2`)
  expect(first.body.items.map((r: { id: string }) => r.id)).toEqual(all.slice(0, 2).map((r) => r.id))
  const second = await h.api('GET', `/bridges/${bridge.id}/runs?limit=2&cursor=${first.body.nextCursor}`)
  expect(second.body).toEqual({ items: [all[2]], nextCursor: null })
  // A full last page has no cursor to an empty one.
  expect((await h.api('GET', `/bridges/${bridge.id}/runs?limit=3`)).body.nextCursor).toBeNull()
  expect(all[2]).toMatchObject({ outcome: 'succeeded', created: 3, conflicts: 0, conflictSamples: [] })
})

test('without SECRETS_KEY a bridge cannot be created: a clear 503, nothing stored', async () => {
  const { app } = await testApp({ env: { TEMPORAL_TASK_QUEUE: h.env.TEMPORAL_TASK_QUEUE! }, temporal: h.temporal })
  const { orgId } = await newOrg(app)
  const res = await admin(app)('POST', `/organizations/${orgId}/bridges`, { provider: 'okta', settings: okta.settings() })
  expect(res.status).toBe(503)
  expect(res.body.error).toEqual({ code: 'secrets_key_missing', message: expect.stringContaining('SECRETS_KEY is not set') })
  expect(await h.sql`select id from bridges where organization_id = ${orgId}`).toHaveLength(0)
})

test('a workflow terminated by hand is restarted from the row by the next admin action', async () => {
  const { bridge } = await createBridge(h, { provider: 'okta', settings: okta.settings() })
  await untilState(h, bridge.id, 'active')
  const handle = h.temporal.client.workflow.getHandle(`bridge-${bridge.id}`)
  await handle.terminate('an operator in the Temporal UI')
  const res = await h.api('POST', `/bridges/${bridge.id}/sync`)
  expect(res.status).toBe(200)
  expect(res.body.state).toBe('syncing')
  expect((await handle.describe()).status.name).toBe('RUNNING')
  expect(await untilState(h, bridge.id, 'active')).toMatchObject({ consecutiveFailures: 0 })
})

test('on worker start, a bridge without a running workflow gets one', async () => {
  const { bridge } = await createBridge(h, { provider: 'okta', settings: okta.settings() })
  await untilState(h, bridge.id, 'active')
  const handle = h.temporal.client.workflow.getHandle(`bridge-${bridge.id}`)
  await handle.terminate('an operator in the Temporal UI')
  await h.stopWorker()
  await h.startWorker()
  expect((await handle.describe()).status.name).toBe('RUNNING')
  expect(await handle.query('state')).toMatchObject({ state: 'active', consecutiveFailures: 0 })
})
