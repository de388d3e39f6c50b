// Admin access keys (server/access-keys, server/admin/auth.ts): minted once and stored as
// SHA-256, listed without secrets, revoked at once here and within a second in another
// process; every admin route's declared scope enforced (403), organization-bound keys
// seeing another organization as nonexistent (404), and hostile credentials and bodies.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { Elysia } from 'elysia'
import { SCOPES, type Scope } from '../../../../server/access-keys/store'
import { declaredAccess, requireDeclaredScope } from '../../../../server/admin/auth'
import { connect, type Sql } from '../../../../server/db/client'
import { hashToken } from '../../../../server/organizations/token'
import { ADMIN_TOKEN, admin, call, createOrg, testApp, type Reply } from '../../../support'

const BASE = '/api/admin/v1'
type App = Awaited<ReturnType<typeof testApp>>['app']

let app: App
let sql: Sql
beforeAll(async () => ({ app, sql } = await testApp()))

/** Calls the admin API of `on` (this app by default) with `token`. */
const as =
  (token: string, on: App = app) =>
  (method: string, path: string, body?: unknown): Promise<Reply> =>
    call(on, method, `${BASE}${path}`, { token, body })

type Minted = { id: string; name: string; scopes: Scope[]; organizationId: string | null; key: string; createdAt: string }

async function mint(body: { name?: string; scopes: Scope[]; organizationId?: string }): Promise<Minted> {
  const r = await admin(app)('POST', '/api-keys', { name: `key-${crypto.randomUUID().slice(0, 8)}`, ...body })
  if (r.status !== 201) throw new Error(`minting a key failed: ${r.status} ${JSON.stringify(r.body)}`)
  return r.body
}

/** Polls `f` until it answers `status`, for at most `ms`; the time it took, or Infinity. */
async function within(ms: number, status: number, f: () => Promise<Reply>): Promise<number> {
  const start = performance.now()
  while (performance.now() - start < ms) {
    if ((await f()).status === status) return performance.now() - start
    await Bun.sleep(5)
  }
  return (await f()).status === status ? performance.now() - start : Infinity
}

/** A bridge row straight in the database (no workflow): enough for lookups by id. */
async function bridgeRow(orgId: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into bridges (organization_id, provider, settings_encrypted, interval_seconds)
    values (${orgId}, 'okta', 'v1:not-readable', 900) returning id`
  return row!.id
}

async function webhookRow(orgId: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`
    insert into webhook_endpoints (organization_id, url, secret_encrypted, cursor_seq)
    values (${orgId}, 'https://hooks.example.com/x', 'v1:not-readable', 0) returning id`
  return row!.id
}

describe('minting, listing, revoking', () => {
  test('the key is shown once, as sbk_ + 32 random bytes, never cached, stored only as its SHA-256', async () => {
    const orgId = await createOrg(sql)
    const r = await admin(app)('POST', '/api-keys', { name: '  ops  ', scopes: ['directory:read', 'events:read'], organizationId: orgId })
    expect(r.status).toBe(201)
    expect(r.headers.get('cache-control')).toBe('no-store')
    expect(Object.keys(r.body).sort()).toEqual(['createdAt', 'id', 'key', 'name', 'organizationId', 'scopes'])
    expect(r.body).toMatchObject({ name: 'ops', scopes: ['directory:read', 'events:read'], organizationId: orgId })
    expect(r.body.key).toMatch(/^sbk_[A-Za-z0-9_-]{43}$/)
    expect(Buffer.from(r.body.key.slice(4), 'base64url')).toHaveLength(32)

    const rows = await sql`select * from access_keys where id = ${r.body.id}`
    expect(rows).toHaveLength(1)
    expect(Buffer.compare(rows[0]!.keyHash, hashToken(r.body.key))).toBe(0)
    expect(JSON.stringify(rows)).not.toContain(r.body.key.slice(4))

    const unbound = await admin(app)('POST', '/api-keys', { name: 'all', scopes: ['admin', 'admin'] })
    expect(unbound.body).toMatchObject({ organizationId: null, scopes: ['admin'] })
    expect(unbound.body.key).not.toBe(r.body.key)
  })

  test('the list shows every key without its secret or hash', async () => {
    const k = await mint({ scopes: ['webhooks:write'] })
    const r = await admin(app)('GET', '/api-keys')
    expect(r.status).toBe(200)
    const item = r.body.items.find((i: { id: string }) => i.id === k.id)
    expect(item).toEqual({ id: k.id, name: k.name, scopes: ['webhooks:write'], organizationId: null, createdAt: k.createdAt, lastUsedAt: null })
    const text = JSON.stringify(r.body)
    for (const k2 of [k.key, k.key.slice(4), hashToken(k.key).toString('hex'), hashToken(k.key).toString('base64')]) expect(text).not.toContain(k2)
  })

  test('lastUsedAt is set by a use, then written at most once a minute', async () => {
    const k = await mint({ scopes: ['admin'] })
    const lastUsed = async () => (await sql<{ lastUsedAt: Date | null }[]>`select last_used_at from access_keys where id = ${k.id}`)[0]!.lastUsedAt
    expect(await lastUsed()).toBeNull()
    expect((await as(k.key)('GET', '/organizations?limit=1')).status).toBe(200)
    const first = await lastUsed()
    expect(first).toBeInstanceOf(Date)
    const listed = (await admin(app)('GET', '/api-keys')).body.items.find((i: { id: string }) => i.id === k.id)
    expect(Date.parse(listed.lastUsedAt)).toBe(first!.getTime())

    // Younger than a minute: a lookup that misses the cache (entries live 1 s) leaves it.
    await sql`update access_keys set last_used_at = now() - interval '30 seconds' where id = ${k.id}`
    const recent = await lastUsed()
    await Bun.sleep(1100)
    expect((await as(k.key)('GET', '/organizations?limit=1')).status).toBe(200)
    expect(await lastUsed()).toEqual(recent)
    // Older than a minute: the next lookup writes it.
    await sql`update access_keys set last_used_at = now() - interval '2 minutes' where id = ${k.id}`
    await Bun.sleep(1100)
    expect((await as(k.key)('GET', '/organizations?limit=1')).status).toBe(200)
    expect(Date.now() - (await lastUsed())!.getTime()).toBeLessThan(10_000)
  })

  test('lookups are cached for a second at most: a key changed behind the cache stops working within it', async () => {
    const k = await mint({ scopes: ['admin'] })
    const use = () => as(k.key)('GET', '/organizations?limit=1')
    // Once the pool listens, a hit is served from the cache.
    const listening = async () =>
      (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where query ilike 'listen%access_keys%'`)[0]!.n > 0
    expect((await use()).status).toBe(200)
    for (let i = 0; i < 200 && !(await listening()); i++) await Bun.sleep(10)
    expect((await use()).status).toBe(200)
    await sql`update access_keys set key_hash = ${hashToken(crypto.randomUUID())} where id = ${k.id}` // no NOTIFY
    expect((await use()).status).toBe(200)
    expect(await within(3000, 401, use)).toBeLessThan(1500)
  })

  test('revoking: 401 at once in this process, within a second in another one (own pool, own cache)', async () => {
    const otherSql = connect(process.env.DATABASE_URL!, 2)
    try {
      const other = (await testApp({ sql: otherSql })).app
      const k = await mint({ scopes: ['admin'] })
      const listeners = async () =>
        (await sql<{ n: number }[]>`select count(*)::int as n from pg_stat_activity where query ilike 'listen%access_keys%'`)[0]!.n
      // Both processes accept the key and cache it.
      for (const a of [app, other]) for (let i = 0; i < 2; i++) expect((await as(k.key, a)('GET', '/organizations?limit=1')).status).toBe(200)
      for (let i = 0; i < 200 && (await listeners()) < 2; i++) await Bun.sleep(10)
      for (const a of [app, other]) expect((await as(k.key, a)('GET', '/organizations?limit=1')).status).toBe(200)

      const revoked = await admin(app)('DELETE', `/api-keys/${k.id}`)
      expect(revoked.status).toBe(204)
      const at = await as(k.key)('GET', '/organizations?limit=1')
      expect(at.status).toBe(401)
      expect(at.body.error.code).toBe('unauthorized')
      expect(await within(1000, 401, () => as(k.key, other)('GET', '/organizations?limit=1'))).toBeLessThan(1000)

      expect((await admin(app)('GET', '/api-keys')).body.items.map((i: { id: string }) => i.id)).not.toContain(k.id)
      const again = await admin(app)('DELETE', `/api-keys/${k.id}`)
      expect(again.status).toBe(404)
      expect(again.body.error.code).toBe('not_found')
    } finally {
      await otherSql.end({ timeout: 1 })
    }
  })

  test('an unbound admin key can revoke itself', async () => {
    const k = await mint({ scopes: ['admin'] })
    expect((await as(k.key)('DELETE', `/api-keys/${k.id}`)).status).toBe(204)
    expect((await as(k.key)('GET', '/api-keys')).status).toBe(401)
  })
})

describe('scopes', () => {
  const adminRoutes = () =>
    app.routes
      .filter((r) => r.path.startsWith(`${BASE}/`))
      .map((r) => ({ method: r.method, path: r.path.slice(BASE.length), ...declaredAccess(r) }))
      .filter((r) => !r.public) // the OpenAPI document (openapi.test.ts)

  test('every admin route declares a scope; the existing ones need admin; managing the service needs an unbound one', () => {
    const routes = adminRoutes()
    const named = routes.map((r) => `${r.method} ${r.path}`)
    for (const known of [
      'POST /organizations',
      'GET /organizations/:orgId/scim-configuration',
      'GET /organizations/:orgId/scim-events.csv',
      'POST /bridges/:id/sync',
      'GET /bridges/:id/runs',
      'GET /bridge-providers',
      'DELETE /api-keys/:id',
      'GET /organizations/:orgId/users',
      'GET /groups/:id/members',
    ]) expect(named).toContain(known)
    for (const r of routes) expect([r.method, r.path, SCOPES.includes(r.scope!)]).toEqual([r.method, r.path, true])
    for (const r of routes.filter((r) => /^\/(organizations|bridges|api-keys)\b/.test(r.path) && !/\/(users|groups|events|webhooks)\b/.test(r.path))) {
      expect([r.method, r.path, r.scope]).toEqual([r.method, r.path, 'admin'])
    }
    // The directory is read with directory:read.
    for (const r of routes.filter((r) => /^\/(users|groups)\/|^\/organizations\/:orgId\/(users|groups)$/.test(r.path))) {
      expect([r.method, r.path, r.scope]).toEqual([r.method, r.path, 'directory:read'])
    }
    expect(routes.filter((r) => r.unbound).map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'DELETE /api-keys/:id',
      'GET /api-keys',
      'POST /api-keys',
      'POST /organizations',
    ])
  })

  test('for every route: a key without its scope gets 403 naming it; one with it gets past auth', async () => {
    const orgId = await createOrg(sql)
    const keys = Object.fromEntries(await Promise.all(SCOPES.map(async (s) => [s, (await mint({ scopes: [s] })).key] as const)))
    const boundAdmin = (await mint({ scopes: ['admin'], organizationId: orgId })).key
    const fill = (path: string) => path.replace(':orgId', orgId).replaceAll(/:\w+/g, () => crypto.randomUUID())

    for (const r of adminRoutes()) {
      const path = fill(r.path)
      const lacking = SCOPES.filter((s) => s !== r.scope && s !== 'admin').map((s) => keys[s]!)
      if (r.unbound) lacking.push(boundAdmin)
      for (const key of lacking) {
        const res = await as(key)(r.method, path)
        expect([r.method, r.path, res.status, res.body?.error?.code]).toEqual([r.method, r.path, 403, 'forbidden'])
        expect(res.body.error.message).toContain(r.unbound && key === boundAdmin ? 'not bound to an organization' : `needs the ${r.scope} scope`)
        if (r.scope === 'admin') expect(res.body.error.message).not.toContain('(or admin)')
      }
      for (const key of [keys[r.scope!]!, keys.admin!, ADMIN_TOKEN]) {
        const res = await as(key)(r.method, path)
        expect([r.method, r.path, res.status === 401 || res.status === 403]).toEqual([r.method, r.path, false])
      }
    }
  })
})

describe('a key bound to an organization', () => {
  let orgA: string
  let orgB: string
  let key: string
  let bridgeA: string
  let bridgeB: string
  let hookB: string
  beforeAll(async () => {
    orgA = await createOrg(sql)
    orgB = await createOrg(sql)
    key = (await mint({ scopes: ['admin'], organizationId: orgA })).key
    bridgeA = await bridgeRow(orgA)
    bridgeB = await bridgeRow(orgB)
    hookB = await webhookRow(orgB)
  })

  const bodies: Record<string, unknown> = {
    'POST /organizations/:orgId/bridges': { provider: 'okta', settings: { orgUrl: 'https://acme.okta.com', apiToken: 'x' } },
    'POST /organizations/:orgId/bridges/preview': { provider: 'okta', settings: { orgUrl: 'https://acme.okta.com', apiToken: 'x' } },
    'PATCH /bridges/:id': {},
    'POST /organizations/:orgId/webhooks': { url: 'https://hooks.example.com/x' },
    'PATCH /webhooks/:id': {},
    'POST /webhooks/:id/replay': { after: 'evt_0000000000000001' },
  }

  test("gets 404 for every route of another organization, exactly as for one that does not exist", async () => {
    const routes = app.routes
      .filter((r) => r.path.startsWith(`${BASE}/`))
      .map((r) => ({ method: r.method, path: r.path.slice(BASE.length) }))
      .filter((r) => r.path.includes(':orgId') || r.path.startsWith('/bridges/:id') || r.path.startsWith('/webhooks/:id'))
    expect(routes.length).toBeGreaterThanOrEqual(30)
    for (const r of routes) {
      const body = bodies[`${r.method} ${r.path}`]
      const path = (org: string, bridge: string, hook: string) =>
        r.path.replace(':orgId', org).replace('/bridges/:id', `/bridges/${bridge}`).replace('/webhooks/:id', `/webhooks/${hook}`).replaceAll(/:\w+/g, () => other)
      const other = crypto.randomUUID()
      const [noOrg, noBridge, noHook] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
      const bound = await as(key)(r.method, path(orgB, bridgeB, hookB), body)
      const root = await admin(app)(r.method, path(noOrg, noBridge, noHook), body)
      expect([r.method, r.path, bound.status, bound.body.error.code]).toEqual([r.method, r.path, 404, 'not_found'])
      // What the root gets for ids that do not exist, the ids aside.
      const said = (reply: Reply, ...ids: string[]) => ids.reduce((m, id) => m.replaceAll(id, '<id>'), reply.body.error.message as string)
      expect([r.method, r.path, root.status, said(root, noOrg, noBridge, noHook)]).toEqual([r.method, r.path, 404, said(bound, orgB, bridgeB, hookB)])
    }
  })

  test('sees its own organization and its bridges; lists only its organization', async () => {
    expect((await as(key)('GET', `/organizations/${orgA}`)).status).toBe(200)
    const bridge = await as(key)('GET', `/bridges/${bridgeA}`)
    expect([bridge.status, bridge.body.id]).toEqual([200, bridgeA])
    expect((await as(key)('GET', `/organizations/${orgA}/bridges`)).body.items.map((b: { id: string }) => b.id)).toEqual([bridgeA])
    const listed = await as(key)('GET', '/organizations?limit=500')
    expect(listed.body).toMatchObject({ items: [{ id: orgA }] })
    expect(listed.body.items).toHaveLength(1)
    expect((await as(key)('GET', `/organizations?after=${orgA}`)).body).toEqual({ items: [], nextCursor: null })
    // The root still sees both bridges.
    expect((await admin(app)('GET', `/bridges/${bridgeB}`)).status).toBe(200)
  })

  test('cannot create organizations or manage keys (403)', async () => {
    for (const [method, path, body] of [
      ['POST', '/organizations', { name: 'mine' }],
      ['GET', '/api-keys', undefined],
      ['POST', '/api-keys', { name: 'escalate', scopes: ['admin'] }],
      ['DELETE', `/api-keys/${crypto.randomUUID()}`, undefined],
    ] as const) {
      const r = await as(key)(method, path, body)
      expect([method, path, r.status, r.body.error.code]).toEqual([method, path, 403, 'forbidden'])
    }
  })
})

describe('hostile input', () => {
  test.each([
    ['no scopes', { name: 'x', scopes: [] }, 400, 'scopes: must name at least one scope'],
    ['an unknown scope', { name: 'x', scopes: ['admin', 'root'] }, 400, 'scopes.1: must be one of admin, directory:read'],
    ['scopes as a string', { name: 'x', scopes: 'admin' }, 400, 'scopes: must be an array of scopes'],
    ['no name', { scopes: ['admin'] }, 400, 'name'],
    ['an empty name', { name: '  ', scopes: ['admin'] }, 400, 'name: must not be empty'],
    ['a malformed organizationId', { name: 'x', scopes: ['admin'], organizationId: 'acme' }, 400, 'organizationId: must be a UUID'],
    ['an unknown organizationId', { name: 'x', scopes: ['admin'], organizationId: '00000000-0000-4000-8000-000000000000' }, 404, 'does not exist'],
  ])('a create with %s -> %i', async (_, body, status, message) => {
    const before = (await sql<{ n: number }[]>`select count(*)::int as n from access_keys`)[0]!.n
    const r = await admin(app)('POST', '/api-keys', body)
    expect(r.status).toBe(status)
    expect(r.body.error.message).toContain(message)
    expect((await sql<{ n: number }[]>`select count(*)::int as n from access_keys`)[0]!.n).toBe(before)
  })

  test('malformed, unknown and foreign credentials -> 401', async () => {
    const k = await mint({ scopes: ['admin'] })
    const scimToken = 'scim_' + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
    for (const authorization of [
      'Bearer sbk_',
      'Bearer sbk_garbage',
      `Bearer sbk_${'A'.repeat(43)}`,
      `Bearer sbk_${'A'.repeat(4000)}`,
      `Bearer ${k.key}x`,
      `Bearer ${k.key.slice(0, -1)}`,
      `Bearer ${k.key.toUpperCase()}`,
      `Bearer ${k.key.slice(4)}`,
      `Bearer ${hashToken(k.key).toString('hex')}`,
      `Bearer ${scimToken}`,
      `Basic ${btoa(`x:${k.key}`)}`,
      `Bearer ${k.key} ${k.key}`,
    ]) {
      const r = await call(app, 'GET', `${BASE}/organizations`, { headers: { authorization } })
      expect([authorization, r.status, r.body.error.code]).toEqual([authorization, 401, 'unauthorized'])
    }
    expect((await as(k.key)('GET', '/organizations')).status).toBe(200)
  })

  test('an access key is not a SCIM token', async () => {
    const k = await mint({ scopes: ['admin'] })
    const r = await call(app, 'GET', '/api/connect/v1/scim/2.0/Users', { token: k.key })
    expect(r.status).toBe(401)
  })

  test('without ADMIN_TOKEN the admin API is closed to keys too', async () => {
    const k = await mint({ scopes: ['admin'] })
    const { app: closed } = await testApp({ env: { ADMIN_TOKEN: '' } })
    const r = await as(k.key, closed)('GET', '/organizations')
    expect(r.status).toBe(401)
    expect(r.body.error.message).toContain('set ADMIN_TOKEN')
  })

  test('a route that declares no scope is refused to everyone (fails closed)', async () => {
    const open = new Elysia().onBeforeHandle(requireDeclaredScope).get('/open', () => 'open')
    const r = await open.handle(new Request('http://localhost/open', { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }))
    expect(r.status).toBe(500)
    expect(await r.text()).not.toBe('open')
  })
})

afterAll(async () => {
  await sql`delete from bridges where settings_encrypted = 'v1:not-readable'`
})
