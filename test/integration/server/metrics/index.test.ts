// GET /metrics over the app as `serve` builds it, and the request tracking that feeds it.
import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { ROOT } from '../../../../dev/services'
import { createLog } from '../../../../server/log'
import { SYNC_SECONDS } from '../../../../server/metrics/database'
import { call, createOrg, newOrg, testApp } from '../../../support'

const METRICS_TOKEN = 'test-metrics-token-0123456789'
const SCIM = '/api/connect/v1/scim/2.0'

/** The value of one series (name plus exact label text) in a scrape; 0 when absent. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line ? Number(line.slice(series.length + 1)) : 0
}

async function scrape(app: Parameters<typeof call>[0]): Promise<string> {
  const r = await call(app, 'GET', '/metrics', { token: METRICS_TOKEN })
  expect(r.status).toBe(200)
  expect(r.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8')
  return r.body as string
}

test('with METRICS_TOKEN set, /metrics wants it as a bearer token', async () => {
  const { app } = await testApp({ env: { METRICS_TOKEN } })
  expect((await call(app, 'GET', '/metrics')).status).toBe(401)
  const wrong = await call(app, 'GET', '/metrics', { token: `${METRICS_TOKEN}x` })
  expect(wrong.status).toBe(401)
  expect(wrong.body.error.message).toContain('METRICS_TOKEN')
  expect((await call(app, 'GET', '/metrics', { token: METRICS_TOKEN })).status).toBe(200)
})

test('without METRICS_TOKEN, /metrics is open', async () => {
  const { app } = await testApp()
  expect((await call(app, 'GET', '/metrics')).status).toBe(200)
})

test('SCIM and admin requests move the request metrics; the names DESIGN.md lists are all there', async () => {
  const { app } = await testApp({ env: { METRICS_TOKEN } })
  const { token } = await newOrg(app)
  const before = await scrape(app)
  const created = await call(app, 'POST', `${SCIM}/Users`, { token, body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `m-${crypto.randomUUID()}` } })
  expect(created.status).toBe(201)
  expect((await call(app, 'GET', `${SCIM}/Users/${created.body.id}`, { token })).status).toBe(200)
  expect((await call(app, 'GET', `${SCIM}/Users`, { token: 'scim_not-a-token' })).status).toBe(401)
  expect((await call(app, 'GET', '/api/admin/v1/organizations', { token: 'not-the-admin-token' })).status).toBe(401)
  await Bun.sleep(20) // requests are counted in onAfterResponse, just after their answer is out
  const after = await scrape(app)

  const moved = (series: string) => value(after, series) - value(before, series)
  expect(moved('scim_requests_total{method="POST",resource="Users",status="201"}')).toBe(1)
  expect(moved('scim_requests_total{method="GET",resource="Users",status="200"}')).toBe(1)
  expect(moved('scim_requests_total{method="GET",resource="Users",status="401"}')).toBe(1)
  expect(moved('scim_request_duration_seconds_count{method="POST",resource="Users"}')).toBe(1)
  expect(moved(`http_requests_total{method="GET",route="${SCIM}/Users/:id",status="200"}`)).toBe(1)
  expect(moved('http_requests_total{method="GET",route="/api/admin/v1/organizations",status="401"}')).toBe(1)
  expect(moved(`http_request_duration_seconds_bucket{method="POST",route="${SCIM}/Users",status="201",le="+Inf"}`)).toBe(1)
  // The scrape itself is counted once it has been answered.
  expect(moved('http_requests_total{method="GET",route="/metrics",status="200"}')).toBe(1)

  for (const name of [
    'scim_requests_total', 'scim_request_duration_seconds', 'bridge_syncs_total', 'bridge_sync_duration_seconds', 'webhook_deliveries_total',
    'audit_events_dropped_total', 'events_outbox_lag_seconds', 'http_requests_total', 'http_request_duration_seconds', 'audit_buffer_pending',
    'bridges', 'webhook_endpoints', 'db_connections', 'db_pool_max', 'db_max_connections',
  ]) {
    expect(after).toContain(`# TYPE ${name} `)
  }
  // The sample dashboard's serve panels use series /metrics really writes (its worker panels: worker-telemetry.test.ts).
  const dashboard = JSON.stringify(await Bun.file(join(ROOT, 'docs/grafana-dashboard.json')).json())
  const used = new Set([...dashboard.matchAll(/\b([a-z][a-z0-9_]*)\{/g)].map((m) => m[1]!.replace(/_(bucket|sum|count)$/, '')).filter((n) => !n.startsWith('temporal_')))
  expect(used.size).toBeGreaterThan(10)
  for (const name of used) expect(after).toContain(`# TYPE ${name} `)
  expect(value(after, 'metrics_database_read_ok')).toBe(1)
  expect(value(after, 'db_pool_max')).toBe(20) // test/support.ts's pool
  expect(value(after, 'audit_events_dropped_total{reason="queue"}')).toBe(0)
})

test('bridges, their syncs and webhook deliveries are read from Postgres at scrape time; deleting them takes no count back', async () => {
  const { app, sql } = await testApp()
  const before = (await call(app, 'GET', '/metrics')).body as string
  const orgId = await createOrg(sql)
  const [bridge] = await sql<{ id: string }[]>`
    insert into bridges (organization_id, provider, settings_encrypted, interval_seconds, state)
    values (${orgId}, 'okta', 'not-read-here', 3600, 'failed') returning id`
  // Runs open as running and are counted as they finish, as the sync writes them.
  const runs = await sql<{ id: string }[]>`
    insert into bridge_runs (organization_id, bridge_id, started_at)
    values (${orgId}, ${bridge!.id}, now() - interval '42 seconds'), (${orgId}, ${bridge!.id}, now() - interval '3 seconds'), (${orgId}, ${bridge!.id}, now())
    returning id`
  await sql`update bridge_runs set outcome = 'succeeded', finished_at = now() where id = ${runs[0]!.id}`
  await sql`update bridge_runs set outcome = 'failed', finished_at = now() where id = ${runs[1]!.id}`
  await sql`update bridge_runs set error = 'not an outcome change' where id = ${runs[1]!.id}`
  const [endpoint] = await sql<{ id: string }[]>`
    insert into webhook_endpoints (organization_id, url, secret_encrypted, cursor_seq, state)
    values (${orgId}, 'http://127.0.0.1:1/hook', 'not-read-here', 0, 'paused') returning id`
  await sql`insert into webhook_deliveries (endpoint_id, event_id, event_type, attempt, ok, latency_ms) values (${endpoint!.id}, 'e1', 'user.created', 1, false, 12)`

  // A new app: scrapes within 10 s of each other share one reading.
  const { app: fresh } = await testApp()
  const after = (await call(fresh, 'GET', '/metrics')).body as string
  const moved = (series: string) => value(after, series) - value(before, series)
  expect(moved('bridges{state="failed"}')).toBe(1)
  expect(moved('bridge_syncs_total{provider="okta",outcome="succeeded"}')).toBe(1)
  expect(moved('bridge_syncs_total{provider="okta",outcome="failed"}')).toBe(1)
  expect(moved('bridge_syncs_running{provider="okta"}')).toBe(1)
  expect(moved('bridge_sync_duration_seconds_bucket{provider="okta",le="5"}')).toBe(1)
  expect(moved('bridge_sync_duration_seconds_bucket{provider="okta",le="60"}')).toBe(2)
  expect(moved('bridge_sync_duration_seconds_count{provider="okta"}')).toBe(2)
  expect(moved('webhook_deliveries_total{outcome="failed"}')).toBe(1)
  expect(moved('webhook_endpoints{state="paused"}')).toBe(1)
  // A worker elsewhere in the suite would try to sync this made-up bridge.
  await sql`delete from organizations where id = ${orgId}`
  // Gone with its rows, the bridge and the endpoint still count: a counter never goes down.
  const gone = (await call((await testApp()).app, 'GET', '/metrics')).body as string
  for (const series of ['bridge_syncs_total{provider="okta",outcome="succeeded"}', 'bridge_sync_duration_seconds_count{provider="okta"}', 'webhook_deliveries_total{outcome="failed"}']) {
    expect(value(gone, series)).toBeGreaterThanOrEqual(value(after, series))
  }
  expect(value(gone, 'bridge_syncs_running{provider="okta"}')).toBe(value(before, 'bridge_syncs_running{provider="okta"}'))
})

test("the database's sync duration buckets are the histogram's bounds", async () => {
  const { sql } = await testApp()
  for (const [i, bound] of SYNC_SECONDS.entries()) {
    const [row] = await sql<{ at: string; above: string }[]>`select bridge_sync_bucket(${bound}) as at, bridge_sync_bucket(${bound + 0.001}) as above`
    expect(row).toEqual({ at: String(bound), above: String(SYNC_SECONDS[i + 1] ?? '+Inf') })
  }
})

test('the outbox lag is the age of the oldest event an active endpoint has not handled', async () => {
  const { sql } = await testApp()
  const orgId = await createOrg(sql)
  await sql`insert into event_sequences (organization_id, last_seq) values (${orgId}, 2)`
  await sql`
    insert into directory_events (organization_id, seq, type, occurred_at, source, data)
    values (${orgId}, 1, 'user.created', now() - interval '1 hour', 'admin', '{}'), (${orgId}, 2, 'user.updated', now() - interval '1 hour', 'admin', '{}')`
  await sql`insert into webhook_endpoints (organization_id, url, secret_encrypted, cursor_seq) values (${orgId}, 'http://127.0.0.1:1/hook', 'not-read-here', 0)`
  const { app } = await testApp()
  const text = (await call(app, 'GET', '/metrics')).body as string
  expect(value(text, 'events_outbox_lag_seconds')).toBeGreaterThanOrEqual(3600)
  expect(value(text, 'events_outbox_backlog')).toBeGreaterThanOrEqual(2)
  // Leave no active endpoint with a backlog behind for the other tests' scrapes.
  await sql`delete from organizations where id = ${orgId}`
})

test('a well-formed x-request-id is kept and echoed; anything else is replaced by a fresh id', async () => {
  const { app } = await testApp()
  expect((await call(app, 'GET', '/healthz', { headers: { 'x-request-id': 'lb:abc-123.4_5' } })).headers.get('x-request-id')).toBe('lb:abc-123.4_5')
  for (const bad of ['has space', 'x'.repeat(129), 'inject"quote', '']) {
    const id = (await call(app, 'GET', '/healthz', { headers: { 'x-request-id': bad } })).headers.get('x-request-id')
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
  }
  // Also on answers that never reached a route.
  expect((await call(app, 'GET', '/nowhere', { headers: { 'x-request-id': 'r-404' } })).headers.get('x-request-id')).toBe('r-404')
})

test('one access-log line per request, with its id, organization, route, status and duration; the lines logged meanwhile carry the id', async () => {
  const lines: Record<string, any>[] = []
  const { app } = await testApp({ log: createLog('debug', (line) => void lines.push(JSON.parse(line))) })
  const { orgId, token } = await newOrg(app)
  await call(app, 'GET', `${SCIM}/Users?filter=${encodeURIComponent('userName eq "secret-ish@example.com"')}`, { token, headers: { 'x-request-id': 'scim-req-1' } })
  await call(app, 'GET', `/api/admin/v1/organizations/${orgId}`, { token: 'test-admin-token-0123456789', headers: { 'x-request-id': 'admin-req-1' } })
  await call(app, 'GET', '/healthz', { headers: { 'x-request-id': 'probe-1' } })
  await call(app, 'GET', `${SCIM}/Groups`, { token: 'scim_wrong', headers: { 'x-request-id': 'scim-401' } })
  await Bun.sleep(20) // the access line is written just after the answer

  const access = lines.filter((l) => l.msg === 'request')
  expect(access.find((l) => l.requestId === 'scim-req-1')).toMatchObject({
    level: 'info', organizationId: orgId, detail: { method: 'GET', path: `${SCIM}/Users`, route: `${SCIM}/Users`, status: 200, durationMs: expect.any(Number) },
  })
  expect(access.find((l) => l.requestId === 'admin-req-1')).toMatchObject({
    level: 'info', organizationId: orgId, detail: { route: '/api/admin/v1/organizations/:orgId', status: 200 },
  })
  expect(access.find((l) => l.requestId === 'probe-1')).toMatchObject({ level: 'debug', detail: { route: '/healthz', status: 200 } })
  // A line the SCIM handler writes while it runs carries the request's id too.
  expect(lines.find((l) => l.msg === 'scim: unauthenticated request')).toMatchObject({ requestId: 'scim-401', detail: { status: 401 } })
  // The query string (a filter may name a person) stays out of the log.
  expect(JSON.stringify(lines)).not.toContain('secret-ish')
})

test("the console's session API is tracked like every route: its id is echoed and its line has a duration", async () => {
  const lines: Record<string, any>[] = []
  const { app } = await testApp({ log: createLog('debug', (line) => void lines.push(JSON.parse(line))) })
  const answer = await call(app, 'GET', '/console/api/session', { headers: { 'x-request-id': 'console-whoami-1' } })
  expect(answer.status).toBe(401)
  expect(answer.headers.get('x-request-id')).toBe('console-whoami-1')
  await Bun.sleep(20)
  expect(lines.find((l) => l.msg === 'request' && l.requestId === 'console-whoami-1')).toMatchObject({
    detail: { route: '/console/api/session', status: 401, durationMs: expect.any(Number) },
  })
})

test("the request hooks leave the console's pages to Bun as static routes (over a real port)", async () => {
  const { app } = await testApp()
  const server = app.listen({ port: 0, hostname: '127.0.0.1' })
  try {
    const page = await fetch(`http://127.0.0.1:${server.server!.port}/console/login`)
    expect(page.headers.get('content-type')).toStartWith('text/html')
    expect(await page.text()).toContain('<!doctype html>')
    // The routes after them are tracked as ever.
    expect((await fetch(`http://127.0.0.1:${server.server!.port}/healthz`)).headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
  } finally {
    await server.stop()
  }
})

test('SCIM answers carry the request id on their own Response, errors and unknown paths included, beside their own headers', async () => {
  const { app } = await testApp()
  const { token } = await newOrg(app)
  const list = await call(app, 'GET', `${SCIM}/Users`, { token, headers: { 'x-request-id': 'scim-list-1' } })
  expect(list.status).toBe(200)
  expect(list.headers.get('x-request-id')).toBe('scim-list-1')
  expect(list.headers.get('content-type')).toStartWith('application/scim+json')
  const denied = await call(app, 'GET', `${SCIM}/Users`, { token: 'scim_wrong', headers: { 'x-request-id': 'scim-401-1' } })
  expect([denied.status, denied.headers.get('x-request-id'), denied.headers.get('www-authenticate')]).toEqual([401, 'scim-401-1', 'Bearer realm="scim", error="invalid_token"'])
  const nowhere = await call(app, 'GET', `${SCIM}/Nowhere`, { token, headers: { 'x-request-id': 'scim-404-1' } })
  expect([nowhere.status, nowhere.headers.get('x-request-id')]).toEqual([404, 'scim-404-1'])
})
