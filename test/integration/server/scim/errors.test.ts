// The error envelope, unknown routes and methods, body limits, content types and
// the per-token rate limit: every answer under the base is application/scim+json.
import { beforeAll, describe, expect, test } from 'bun:test'
import { BASE, ERROR, USER_SCHEMA, client, countOf, expectError, scimApp, tenant, userBody, type Send } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let scim: Send
let token: string
let orgId: string
beforeAll(async () => {
  ;({ app, sql } = await scimApp({ SCIM_MAX_BODY_BYTES: '4096' }))
  ;({ scim, token, orgId } = await tenant(app))
})

const users = () => countOf(sql`select count(*)::int as n from users where organization_id = ${orgId}`)

describe('the SCIM Error envelope', () => {
  test('schemas, status as a string, scimType, detail; scim+json', async () => {
    const r = await scim('GET', `/Users?filter=${encodeURIComponent('bad (')}`)
    expect(r.status).toBe(400)
    expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    expect(r.body).toEqual({ schemas: [ERROR], status: '400', scimType: 'invalidFilter', detail: expect.any(String) })
  })

  test('404 of an unknown resource has an Error body (Okta\'s spec test)', async () => {
    const r = await scim('GET', `/Users/${crypto.randomUUID()}`)
    expect(r.body).toEqual({ schemas: [ERROR], status: '404', detail: expect.stringContaining('not found') })
  })
})

describe('routes', () => {
  test.each(['/Nope', '/Users/a/b', '/users', '/api', '/Groups/x/members', ''])('unknown path %p -> 404 SCIM', async (path) => {
    expectError(await scim('GET', path), 404)
  })

  test('a path just outside the base is not ours', async () => {
    const r = await app.handle(new Request('http://localhost/api/connect/v1/scim/2.1/Users'))
    expect(r.status).toBe(404)
    expect(r.headers.get('content-type') ?? '').not.toContain('scim')
  })

  test.each([
    ['DELETE', '/Users', 'GET, POST'],
    ['PUT', '/Users', 'GET, POST'],
    ['PATCH', '/Groups', 'GET, POST'],
    ['POST', '/Users/00000000-0000-0000-0000-000000000000', 'GET, PUT, PATCH, DELETE'],
    ['GET', '/Users/.search', 'POST'],
    ['DELETE', '/Groups/.search', 'POST'],
    ['DELETE', '/Schemas', 'GET'],
  ])('%s %s -> 405 with Allow', async (method, path, allow) => {
    const r = await scim(method, path, method === 'GET' || method === 'DELETE' ? undefined : {})
    expectError(r, 405)
    expect(r.headers.get('allow')!.split(', ').sort()).toEqual(allow.split(', ').sort())
  })

  test('/Me is 501 for every method; /Bulk is 501', async () => {
    for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) expectError(await scim(m, '/Me', m === 'GET' || m === 'DELETE' ? undefined : {}), 501)
    expectError(await scim('POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'], Operations: [] }), 501)
  })
})

describe('body limits', () => {
  test('a declared oversize body is 413 before anything is read', async () => {
    const big = JSON.stringify(userBody(undefined, { title: 'x'.repeat(5000) }))
    expectError(await scim('POST', '/Users', big), 413)
  })

  test('an oversize body without Content-Length is cut off while streaming: 413', async () => {
    const before = await users()
    let pulled = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled++
        if (pulled > 1000) return c.close()
        c.enqueue(new TextEncoder().encode(pulled === 1 ? '{"userName":"' : 'x'.repeat(1024)))
      },
    })
    const r = await app.handle(
      new Request(`http://localhost${BASE}/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: stream, duplex: 'half' } as RequestInit),
    )
    expect(r.status).toBe(413)
    expect(((await r.json()) as { schemas: string[] }).schemas).toEqual([ERROR])
    expect(pulled).toBeLessThan(20) // stopped after ~4 KB, not 1 MB
    expect(await users()).toBe(before)
  })

  test('a body under the limit passes', async () => {
    expect((await scim('POST', '/Users', userBody())).status).toBe(201)
  })
})

describe('content types', () => {
  test.each([
    'application/scim+json',
    'application/scim+json; charset=utf-8',
    'application/json',
    'application/json;charset=UTF-8',
    'APPLICATION/JSON',
  ])('%s is accepted', async (type) => {
    expect((await scim('POST', '/Users', userBody(), { 'content-type': type })).status).toBe(201)
  })

  test('no Content-Type is read as JSON', async () => {
    const r = await app.handle(
      new Request(`http://localhost${BASE}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: new TextEncoder().encode(JSON.stringify(userBody())),
      }),
    )
    expect(r.status).toBe(201)
  })

  test.each(['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml'])('%s is 415', async (type) => {
    const before = await users()
    expectError(await scim('POST', '/Users', JSON.stringify(userBody()), { 'content-type': type }), 415)
    expect(await users()).toBe(before)
  })

  test('GET and DELETE need no Content-Type; every answer is application/scim+json', async () => {
    const u = await scim('POST', '/Users', userBody())
    for (const r of [await scim('GET', '/Users'), await scim('GET', `/Users/${u.body.id}`), await scim('GET', '/Schemas')]) {
      expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    }
    const d = await scim('DELETE', `/Users/${u.body.id}`)
    expect(d.status).toBe(204)
  })

  test('Accept: application/json still gets SCIM JSON', async () => {
    const r = await scim('GET', '/Users', undefined, { accept: 'application/json' })
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
  })
})

describe('rate limit', () => {
  test('past the per-token limit: 429 with Retry-After; other tokens are unaffected', async () => {
    const { app: limited } = await scimApp({ SCIM_RATE_LIMIT_PER_MINUTE: '5' })
    const a = await tenant(limited)
    const b = await tenant(limited)
    for (let i = 0; i < 5; i++) expect((await a.scim('GET', '/Users')).status).toBe(200)
    const r = await a.scim('GET', '/Users')
    expectError(r, 429)
    expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    expect((await b.scim('GET', '/Users')).status).toBe(200)
  })

  test('0 turns it off', async () => {
    const { app: open } = await scimApp({ SCIM_RATE_LIMIT_PER_MINUTE: '0' })
    const a = await tenant(open)
    const all = await Promise.all(Array.from({ length: 50 }, () => a.scim('GET', '/Users?count=0')))
    expect(all.every((r) => r.status === 200)).toBe(true)
  })
})

describe('data errors never become 500s', () => {
  test('an id with odd characters is 404, a filter with a NUL is 400', async () => {
    expectError(await scim('GET', '/Users/%00'), 404)
    expectError(await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`), 400, 'invalidFilter')
  })

  test('a string too long for a column is refused by validation', async () => {
    const { app: big } = await scimApp()
    const t = await tenant(big)
    expectError(await t.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'x'.repeat(5000) }), 400, 'invalidValue')
  })
})

describe('without a token', () => {
  test('401 comes before body checks other than the declared size', async () => {
    const r = await client(app, null)('POST', '/Users', 'not json')
    expectError(r, 401)
  })
})
