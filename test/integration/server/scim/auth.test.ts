// Bearer token -> one organization; every failure is a SCIM 401 with a Bearer challenge.
import { beforeAll, describe, expect, test } from 'bun:test'
import { connect } from '../../../../server/db/client'
import { admin, testApp } from '../../../support'
import { BASE, client, expectError, scimApp, tenant, userBody } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
beforeAll(async () => ({ app, sql } = await scimApp()))

function expect401(r: Awaited<ReturnType<ReturnType<typeof client>>>) {
  expectError(r, 401)
  expect(r.headers.get('www-authenticate')).toStartWith('Bearer realm="scim"')
}

describe('SCIM authentication', () => {
  test.each([
    ['no Authorization header', null, {}],
    ['empty bearer', null, { authorization: 'Bearer ' }],
    ['bearer with only spaces', null, { authorization: 'Bearer    ' }],
    ['unknown token', 'scim_' + 'A'.repeat(43), {}],
    ['malformed token', 'not a token', {}],
    ['Basic scheme', null, { authorization: `Basic ${btoa('user:pass')}` }],
    ['the literal "undefined"', 'undefined', {}],
  ] as const)('%s -> 401 in SCIM format', async (_, token, headers) => {
    for (const [method, path] of [
      ['GET', '/Users'],
      ['POST', '/Users'],
      ['GET', '/Groups'],
      ['GET', '/Users/00000000-0000-0000-0000-000000000000'],
    ] as const) {
      const r = await client(app, token)(method, path, method === 'POST' ? userBody() : undefined, { ...headers })
      expect401(r)
    }
  })

  test('a valid token reaches its organization; the scheme is case-insensitive', async () => {
    const { token, scim } = await tenant(app)
    expect((await scim('GET', '/Users')).status).toBe(200)
    const r = await client(app, null)('GET', '/Users', undefined, { authorization: `bearer ${token}` })
    expect(r.status).toBe(200)
  })

  test('a token with a suffix or prefix is not the token', async () => {
    const { token } = await tenant(app)
    expect401(await client(app, `${token}x`)('GET', '/Users'))
    expect401(await client(app, token.slice(1))('GET', '/Users'))
  })

  test('rotating the token makes the old one fail at once, the new one work', async () => {
    const { orgId, token, scim } = await tenant(app)
    expect((await scim('GET', '/Users')).status).toBe(200)
    const rotated = await admin(app)('POST', `/organizations/${orgId}/scim-configuration/token`)
    expect(rotated.status).toBe(201)
    expect401(await client(app, token)('GET', '/Users'))
    expect((await client(app, rotated.body.token)('GET', '/Users')).status).toBe(200)
  })

  test('deleting the SCIM configuration revokes its token', async () => {
    const { orgId, scim } = await tenant(app)
    expect((await admin(app)('DELETE', `/organizations/${orgId}/scim-configuration`)).status).toBe(204)
    expect401(await scim('GET', '/Users'))
  })

  test('the token is stored only as its SHA-256 hash', async () => {
    const { orgId, token } = await tenant(app)
    const rows = await sql`select token_hash, encode(token_hash, 'hex') as hex from scim_configurations where organization_id = ${orgId}`
    expect(rows).toHaveLength(1)
    expect(rows[0]!.hex).toBe(new Bun.CryptoHasher('sha256').update(token).digest('hex'))
    const dump = JSON.stringify(await sql`select * from scim_configurations where organization_id = ${orgId}`)
    expect(dump).not.toContain(token)
  })

  test('one SCIM configuration (one token) per organization', async () => {
    const { orgId } = await tenant(app)
    const again = await admin(app)('POST', `/organizations/${orgId}/scim-configuration`)
    expect(again.status).toBe(409)
  })

  test('tokens are 256-bit random values', async () => {
    const { token } = await tenant(app)
    expect(token).toMatch(/^scim_[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(token.slice(5), 'base64url')).toHaveLength(32)
  })

  test('discovery answers without a token (RFC 7644 §4) and with one', async () => {
    const { scim } = await tenant(app)
    for (const path of ['/ServiceProviderConfig', '/ResourceTypes', '/Schemas']) {
      expect((await client(app, null)('GET', path)).status).toBe(200)
      expect((await scim('GET', path)).status).toBe(200)
    }
  })

  test('/Me and /Bulk need a token before anything else', async () => {
    expect401(await client(app, null)('GET', '/Me'))
    expect401(await client(app, null)('POST', '/Bulk', { schemas: [] }))
  })

  test('unknown routes under the base are 404 in SCIM format even without a token', async () => {
    const r = await app.handle(new Request(`http://localhost${BASE}/Nope`))
    expect(r.status).toBe(404)
    expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
  })

  test('the token cache serves repeated requests without reading the token table, for a second at most', async () => {
    const { token, scim } = await tenant(app)
    expect((await scim('GET', '/Users')).status).toBe(200) // starts LISTEN if needed
    const listening = () => sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity where datname = current_database() and query ilike 'listen %'`.then((r) => r[0]!.n > 0)
    for (let i = 0; i < 200 && !(await listening()); i++) await Bun.sleep(10)
    expect(await listening()).toBe(true)
    expect((await scim('GET', '/Users')).status).toBe(200) // fills the cache
    // Corrupting the stored hash behind the cache's back (no notify): a cached token still works...
    await sql`update scim_configurations set token_hash = decode(${crypto.randomUUID().replaceAll('-', '')}, 'hex') where token_hash = ${Buffer.from(new Bun.CryptoHasher('sha256').update(token).digest())}`
    const changed = performance.now()
    expect((await scim('GET', '/Users')).status).toBe(200)
    // ...but an entry is trusted for a second at most, the bound when a notification is lost.
    let status = 200
    while (performance.now() - changed < 3000 && (status = (await scim('GET', '/Users')).status) === 200) await Bun.sleep(20)
    expect(status).toBe(401)
  })

  test('a rotation through another process (own pool, own cache) invalidates this one at once', async () => {
    // A second "process": its own pool, hence its own token cache and LISTEN connection.
    const otherSql = connect(process.env.DATABASE_URL!, 2)
    try {
      const other = (await testApp({ sql: otherSql })).app
      const { orgId, token } = await tenant(app)
      // Both processes have the token cached.
      for (const a of [app, other]) for (let i = 0; i < 2; i++) expect((await client(a, token)('GET', '/Users')).status).toBe(200)
      const rotated = await admin(other)('POST', `/organizations/${orgId}/scim-configuration/token`)
      expect(rotated.status).toBe(201)
      // The rotating process: at once. This process: when the NOTIFY (sent at commit) is read,
      // which the contract bounds at 200 ms (see server/scim/auth.ts).
      expect401(await client(other, token)('GET', '/Users'))
      const deadline = Date.now() + 200
      let status = 200
      while (Date.now() < deadline && (status = (await client(app, token)('GET', '/Users')).status) === 200) await Bun.sleep(5)
      expect(status).toBe(401)
      expect((await client(app, rotated.body.token)('GET', '/Users')).status).toBe(200)
      // A delete through the other process revokes here too.
      expect((await admin(other)('DELETE', `/organizations/${orgId}/scim-configuration`)).status).toBe(204)
      const deadline2 = Date.now() + 200
      while (Date.now() < deadline2 && (status = (await client(app, rotated.body.token)('GET', '/Users')).status) === 200) await Bun.sleep(5)
      expect(status).toBe(401)
    } finally {
      await otherSql.end({ timeout: 1 })
    }
  })

  test('unknown tokens are not cached: many distinct misses leave the valid path working', async () => {
    const { scim } = await tenant(app)
    for (let i = 0; i < 50; i++) expect401(await client(app, `scim_${i.toString().padStart(43, 'x')}`)('GET', '/Users'))
    expect((await scim('GET', '/Users')).status).toBe(200)
  })
})
