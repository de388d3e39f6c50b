import { beforeAll, describe, expect, test } from 'bun:test'
import { connect } from '../../../../server/db/client'
import { hashToken } from '../../../../server/organizations/token'
import { ADMIN_TOKEN, admin, call, holdLocks, testApp } from '../../../support'

let app: Awaited<ReturnType<typeof testApp>>['app']
let sql: Awaited<ReturnType<typeof testApp>>['sql']
beforeAll(async () => ({ app, sql } = await testApp()))

describe('admin auth', () => {
  test.each([
    ['no header', {}],
    ['empty bearer', { authorization: 'Bearer ' }],
    ['wrong token', { authorization: 'Bearer nope-nope-nope-nope' }],
    ['token with a suffix', { authorization: `Bearer ${ADMIN_TOKEN}x` }],
    ['basic scheme', { authorization: `Basic ${btoa(`admin:${ADMIN_TOKEN}`)}` }],
  ])('%s -> 401', async (_, headers) => {
    const r = await call(app, 'GET', '/api/admin/v1/organizations', { headers })
    expect(r.status).toBe(401)
    expect(r.body.error.code).toBe('unauthorized')
  })

  test('no ADMIN_TOKEN configured refuses everything, including an empty token', async () => {
    const { app: closed } = await testApp({ env: { ADMIN_TOKEN: '' } })
    for (const headers of [{}, { authorization: 'Bearer ' }, { authorization: 'Bearer undefined' }] as Record<string, string>[]) {
      const r = await call(closed, 'GET', '/api/admin/v1/organizations', { headers })
      expect(r.status).toBe(401)
      expect(r.body.error.message).toContain('set ADMIN_TOKEN')
    }
  })

  test('the right token is accepted (case-insensitive scheme)', async () => {
    const r = await call(app, 'GET', '/api/admin/v1/organizations', { headers: { authorization: `bearer ${ADMIN_TOKEN}` } })
    expect(r.status).toBe(200)
  })
})

describe('organizations', () => {
  test('create, read, list', async () => {
    const a = admin(app)
    const created = await a('POST', '/organizations', { name: '  Acme  ' })
    expect(created.status).toBe(201)
    expect(created.body).toMatchObject({ name: 'Acme' })
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/)
    expect(Date.parse(created.body.createdAt)).toBeGreaterThan(0)

    const got = await a('GET', `/organizations/${created.body.id}`)
    expect(got.status).toBe(200)
    expect(got.body).toEqual(created.body)

    const list = await a('GET', '/organizations?limit=500')
    expect(list.body.items.map((o: { id: string }) => o.id)).toContain(created.body.id)
  })

  test('list pages with a cursor and no gaps', async () => {
    const a = admin(app)
    for (let i = 0; i < 5; i++) await a('POST', '/organizations', { name: `page-${i}` })
    const seen: string[] = []
    let after: string | null = null
    do {
      const r: { body: { items: { id: string }[]; nextCursor: string | null } } = await a('GET', `/organizations?limit=2${after ? `&after=${after}` : ''}`)
      seen.push(...r.body.items.map((o) => o.id))
      after = r.body.nextCursor
    } while (after)
    expect(new Set(seen).size).toBe(seen.length)
    const [row] = await sql`select count(*)::int as count from organizations`
    expect(seen.length).toBe(row!.count)
  })

  test.each([
    ['missing name', {}, 'name'],
    ['empty name', { name: '   ' }, 'name: must not be empty'],
    ['number name', { name: 42 }, 'name'],
    ['too long', { name: 'x'.repeat(201) }, 'at most 200'],
  ])('bad input: %s -> 400', async (_, body, message) => {
    const r = await admin(app)('POST', '/organizations', body)
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_request')
    expect(r.body.error.message).toContain(message)
  })

  test('malformed JSON -> 400 invalid_json', async () => {
    const r = await call(app, 'POST', '/api/admin/v1/organizations', { token: ADMIN_TOKEN, body: '{"name":' })
    expect(r.status).toBe(400)
    expect(r.body.error.code).toBe('invalid_json')
  })

  test('unknown or malformed ids -> 404 / 400, never 500', async () => {
    const a = admin(app)
    expect((await a('GET', `/organizations/${crypto.randomUUID()}`)).status).toBe(404)
    expect((await a('GET', '/organizations/not-a-uuid')).status).toBe(400)
    expect((await a('GET', '/nope')).status).toBe(404)
  })
})

describe('SCIM configuration', () => {
  test('create shows the token once, stores only its SHA-256, 409 on a second', async () => {
    const a = admin(app)
    const org = (await a('POST', '/organizations', { name: 'with-scim' })).body
    const conf = await a('POST', `/organizations/${org.id}/scim-configuration`)
    expect(conf.status).toBe(201)
    expect(conf.body.endpointUrl).toBe('http://localhost/api/connect/v1/scim/2.0')
    expect(conf.body.token).toMatch(/^scim_[A-Za-z0-9_-]{43}$/)
    expect(conf.headers.get('cache-control')).toBe('no-store') // no cache keeps the token

    const [row] = await sql`select token_hash from scim_configurations where organization_id = ${org.id}`
    expect(Buffer.compare(row!.tokenHash, hashToken(conf.body.token))).toBe(0)
    const dump = JSON.stringify(await sql`select * from scim_configurations where organization_id = ${org.id}`)
    expect(dump).not.toContain(conf.body.token)

    const read = await a('GET', `/organizations/${org.id}/scim-configuration`)
    expect(read.status).toBe(200)
    expect(read.body.token).toBeUndefined()

    const again = await a('POST', `/organizations/${org.id}/scim-configuration`)
    expect(again.status).toBe(409)
  })

  test('rotate replaces the token; delete removes the configuration', async () => {
    const a = admin(app)
    const org = (await a('POST', '/organizations', { name: 'rotating' })).body
    const first = (await a('POST', `/organizations/${org.id}/scim-configuration`)).body.token
    const rotated = await a('POST', `/organizations/${org.id}/scim-configuration/token`)
    expect(rotated.status).toBe(201)
    expect(rotated.body.token).not.toBe(first)
    expect(rotated.headers.get('cache-control')).toBe('no-store')
    const [row] = await sql`select token_hash from scim_configurations where organization_id = ${org.id}`
    expect(Buffer.compare(row!.tokenHash, hashToken(rotated.body.token))).toBe(0)

    expect((await a('DELETE', `/organizations/${org.id}/scim-configuration`)).status).toBe(204)
    expect((await a('GET', `/organizations/${org.id}/scim-configuration`)).status).toBe(404)
    expect((await a('POST', `/organizations/${org.id}/scim-configuration/token`)).status).toBe(404)
    expect((await a('DELETE', `/organizations/${org.id}/scim-configuration`)).status).toBe(404)
  })

  test('another organization id is 404', async () => {
    const r = await admin(app)('POST', `/organizations/${crypto.randomUUID()}/scim-configuration`)
    expect(r.status).toBe(404)
  })
})

describe('a row another writer holds', () => {
  test('a token rotation waits at most the lock timeout, then answers 503 with Retry-After', async () => {
    const pool = connect(process.env.DATABASE_URL!, 2, { lockTimeoutMs: 300 })
    try {
      const { app: busy } = await testApp({ sql: pool })
      const api = admin(busy)
      const org = (await api('POST', '/organizations', { name: 'locked' })).body
      expect((await api('POST', `/organizations/${org.id}/scim-configuration`)).status).toBe(201)
      const held = await holdLocks(sql, (tx) => tx`select 1 from scim_configurations where organization_id = ${org.id} for update`)
      const r = await api('POST', `/organizations/${org.id}/scim-configuration/token`)
      expect(r.status).toBe(503)
      expect(r.headers.get('retry-after')).toBe('5')
      expect(r.body.error.code).toBe('busy')
      await held.release()
      expect((await api('POST', `/organizations/${org.id}/scim-configuration/token`)).status).toBe(201)
    } finally {
      await pool.end()
    }
  }, 30_000)
})
