import { beforeAll, describe, expect, test } from 'bun:test'
import { insertEvents } from '../../../../server/audit'
import { createOrg, ADMIN_TOKEN, admin, call, testApp } from '../../../support'
import { event } from '../audit/helpers'

let app: Awaited<ReturnType<typeof testApp>>['app']
let sql: Awaited<ReturnType<typeof testApp>>['sql']
let orgId: string
const day = (d: number) => new Date(Date.UTC(2025, 0, d, 12))

beforeAll(async () => {
  ;({ app, sql } = await testApp())
  orgId = await createOrg(sql)
  await insertEvents(sql, [
    event(orgId, { method: 'GET', status: 200, userName: 'Alice@Example.com', createdAt: day(1) }),
    event(orgId, { method: 'POST', status: 201, userName: 'bob@example.com', requestBody: { userName: 'bob@example.com', password: 'pw' }, createdAt: day(2) }),
    event(orgId, { method: 'PATCH', status: 404, userName: 'alice@example.com', error: 'no such user', createdAt: day(3) }),
    event(orgId, { source: 'bridge', method: 'SYNC', status: 200, createdAt: day(4) }),
  ])
})

const get = (path: string) => admin(app)('GET', path)
const days = (body: { items: { createdAt: string }[] }) => body.items.map((i) => new Date(i.createdAt).getUTCDate())

describe('GET /organizations/:orgId/scim-events', () => {
  test('newest first as JSON', async () => {
    const r = await get(`/organizations/${orgId}/scim-events`)
    expect(r.status).toBe(200)
    expect(days(r.body)).toEqual([4, 3, 2, 1])
    expect(r.body.nextCursor).toBeNull()
    expect(r.body.items[2]).toMatchObject({
      method: 'POST',
      status: 201,
      requestBody: { userName: 'bob@example.com', password: '[REDACTED]' },
      createdAt: day(2).toISOString(),
    })
  })

  test('needs the admin token', async () => {
    const r = await call(app, 'GET', `/api/admin/v1/organizations/${orgId}/scim-events`)
    expect(r.status).toBe(401)
    const csv = await call(app, 'GET', `/api/admin/v1/organizations/${orgId}/scim-events.csv`)
    expect(csv.status).toBe(401)
  })

  test('cursor pagination', async () => {
    const first = await get(`/organizations/${orgId}/scim-events?limit=3`)
    expect(days(first.body)).toEqual([4, 3, 2])
    const second = await get(`/organizations/${orgId}/scim-events?limit=3&cursor=${first.body.nextCursor}`)
    expect(days(second.body)).toEqual([1])
    expect(second.body.nextCursor).toBeNull()
  })

  test.each([
    ['method=patch', [3]],
    ['status=404', [3]],
    ['status=2XX', [4, 2, 1]],
    ['userName=ALICE%40example.com', [3, 1]],
    ['since=2025-01-02&until=2025-01-03T12:00:00Z', [2]],
    ['since=2025-01-03T13:00:00%2B01:00', [4, 3]],
    // An unencoded + in a query string reads as a space.
    ['since=2025-01-03T13:00:00+01:00', [4, 3]],
    ['source=bridge', [4]],
    ['source=scim&status=2xx', [2, 1]],
    ['unknown=ignored', [4, 3, 2, 1]],
  ])('?%s', async (query, expected) => {
    const r = await get(`/organizations/${orgId}/scim-events?${query}`)
    expect(r.status).toBe(200)
    expect(days(r.body)).toEqual(expected)
  })

  test.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['limit=-1', 'limit'],
    ['cursor=not-a-cursor', 'cursor'],
    ['method=GE%20T', 'method'],
    ['status=99', 'status'],
    ['status=600', 'status'],
    ['status=4x', 'status'],
    ['userName=', 'userName'],
    ['since=yesterday', 'since'],
    ['since=2025-02-30', 'since'],
    ['until=2025-01-01T10:00:00', 'until'],
    ['since=2025-01-02&until=2025-01-01', 'until'],
    ['source=okta', 'source'],
  ])('?%s -> 400 naming %s', async (query, param) => {
    const r = await get(`/organizations/${orgId}/scim-events?${query}`)
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_request')
    expect(r.body.error.message).toStartWith(`${param}:`)
  })

  test('an unknown organization is 404; a malformed id is 400', async () => {
    const missing = await get(`/organizations/${crypto.randomUUID()}/scim-events`)
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    const malformed = await get('/organizations/nope/scim-events')
    expect(malformed.status).toBe(400)
  })

  test('another organization’s events are not listed', async () => {
    const other = await createOrg(sql)
    const r = await get(`/organizations/${other}/scim-events`)
    expect(r.body).toEqual({ items: [], nextCursor: null })
  })
})

describe('GET /organizations/:orgId/scim-events.csv', () => {
  test('streams text/csv for the range', async () => {
    const res = await app.handle(
      new Request(`http://localhost/api/admin/v1/organizations/${orgId}/scim-events.csv?since=2025-01-01&until=2025-01-04`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
    )
    expect(res.status).toBe(200)
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8')
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="scim-events-${orgId}-2025-01-01-2025-01-04.csv"`)
    const lines = (await res.text()).trimEnd().split('\r\n')
    expect(lines[0]).toStartWith('id,createdAt,source,method,path,status,')
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(['PATCH', 'POST', 'GET'])
  })

  // The export is the list's filtered view: the same filters give the same rows.
  test.each([
    ['method=patch', ['PATCH']],
    ['status=2xx', ['SYNC', 'POST', 'GET']],
    ['status=201', ['POST']],
    ['userName=ALICE%40example.com', ['PATCH', 'GET']],
    ['source=bridge', ['SYNC']],
    ['source=scim&status=4xx', ['PATCH']],
    ['method=GET&status=5xx', []],
  ])('?%s exports only the matching rows', async (filter, methods) => {
    const res = await app.handle(
      new Request(`http://localhost/api/admin/v1/organizations/${orgId}/scim-events.csv?since=2025-01-01&until=2025-01-05&${filter}`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
    )
    expect(res.status).toBe(200)
    const lines = (await res.text()).trimEnd().split('\r\n')
    expect(lines.slice(1).map((l) => l.split(',')[3])).toEqual(methods)
    const listed = await get(`/organizations/${orgId}/scim-events?since=2025-01-01&until=2025-01-05&${filter}`)
    expect(listed.body.items.map((i: { method: string }) => i.method)).toEqual(methods)
  })

  test.each([
    ['status=600', 'status:'],
    ['method=GE%20T', 'method:'],
    ['userName=', 'userName:'],
    ['source=okta', 'source:'],
    ['since=2024-01-01&until=2025-01-02', 'since:'],
    ['since=2025-01-02&until=2025-01-01', 'until:'],
    ['since=2025-13-01', 'since:'],
  ])('?%s -> 400', async (query, prefix) => {
    const r = await get(`/organizations/${orgId}/scim-events.csv?${query}`)
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_request')
    expect(r.body.error.message).toStartWith(prefix)
  })

  test('an unknown organization is 404', async () => {
    expect((await get(`/organizations/${crypto.randomUUID()}/scim-events.csv`)).status).toBe(404)
  })
})
