// The console's session routes and the admin API's cookie authentication, through
// app.handle (the pages themselves need a listening server: test/browser/).
import { beforeAll, expect, test } from 'bun:test'
import { ADMIN_TOKEN, admin, call, createOrg, testApp } from '../../../support'
import type { Sql } from '../../../../server/db/client'

let app: Awaited<ReturnType<typeof testApp>>['app']
let sql: Sql
const ORIGIN = { origin: 'http://localhost' } // testConfig's PUBLIC_URL

beforeAll(async () => {
  ;({ app, sql } = await testApp())
})

async function login(token: string, a = app, headers: Record<string, string> = ORIGIN) {
  const res = await call(a, 'POST', '/console/api/session', { body: { token }, headers })
  const cookie = /^(scim_bridge_session=[^;]+)/.exec(res.headers.get('set-cookie') ?? '')?.[1]
  return { ...res, cookie }
}

const withCookie = (cookie: string, method = 'GET', path = '/api/admin/v1/organizations', body?: unknown, a = app) =>
  call(a, method, path, { headers: { cookie, ...ORIGIN }, body })

test('ADMIN_TOKEN logs in: a cookie that the admin API accepts, an answer never cached', async () => {
  const res = await login(ADMIN_TOKEN)
  expect(res.status).toBe(201)
  expect(res.body).toEqual({ kind: 'root' })
  expect(res.headers.get('cache-control')).toBe('no-store')
  expect(res.headers.get('set-cookie')).toMatch(/^scim_bridge_session=cs_[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=43200; HttpOnly; SameSite=Strict$/)
  expect((await withCookie(res.cookie!)).status).toBe(200)
  const me = await call(app, 'GET', '/console/api/session', { headers: { cookie: res.cookie! } })
  expect(me.body).toMatchObject({ kind: 'root', organizationId: null, scimEndpoint: 'http://localhost/api/connect/v1/scim/2.0' })
  // Only the hash of the session's token is stored.
  const token = res.cookie!.split('=')[1]!.split('.')[0]!
  const rows = await sql`select token_hash from console_sessions where token_hash = sha256(${token}::bytea)`
  expect(rows.length).toBe(1)
  expect(JSON.stringify(await sql`select * from console_sessions`)).not.toContain(token)
})

test('behind https the cookie is Secure', async () => {
  const { app: secure } = await testApp({ env: { PUBLIC_URL: 'https://scim.example.com' } })
  const res = await login(ADMIN_TOKEN, secure, { origin: 'https://scim.example.com' })
  expect(res.headers.get('set-cookie')).toEndWith('; Secure')
})

test('a wrong token, an empty one, or a login posted from another site gets no session', async () => {
  expect((await login('wrong-token-0123456789')).status).toBe(401)
  expect((await login('')).status).toBe(400)
  const cross = await login(ADMIN_TOKEN, app, { 'sec-fetch-site': 'cross-site' })
  expect(cross.status).toBe(403)
  expect(cross.cookie).toBeUndefined()
  expect((await login(ADMIN_TOKEN, app, {})).status).toBe(403)
})

test('a new ADMIN_TOKEN ends every session at once', async () => {
  const { cookie } = await login(ADMIN_TOKEN)
  const { app: rotated } = await testApp({ env: { ADMIN_TOKEN: 'a-brand-new-admin-token-987654' } })
  const res = await withCookie(cookie!, 'GET', '/api/admin/v1/organizations', undefined, rotated)
  expect(res.status).toBe(401)
  expect(res.body.error.message).toContain('log in again')
  expect((await call(rotated, 'GET', '/console/api/session', { headers: { cookie: cookie! } })).status).toBe(401)
})

test('a tampered, expired or logged-out cookie opens nothing', async () => {
  const { cookie } = await login(ADMIN_TOKEN)
  const [name, value] = cookie!.split('=') as [string, string]
  const [token, sig] = value.split('.') as [string, string]
  const other = (await login(ADMIN_TOKEN)).cookie!.split('.')[1]!
  expect((await withCookie(`${name}=${token}.${other}`)).status).toBe(401) // another session's signature
  expect((await withCookie(`${name}=${token}`)).status).toBe(401)
  // Another last character (base64url's last one of 32 bytes is 'A' one time in 16: then 'B').
  const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`
  expect((await withCookie(`${name}=${altered}.${sig}`)).status).toBe(401)

  await sql`update console_sessions set expires_at = now() - interval '1 second' where token_hash = sha256(${token}::bytea)`
  expect((await withCookie(cookie!)).status).toBe(401)

  const live = (await login(ADMIN_TOKEN)).cookie!
  const out = await call(app, 'DELETE', '/console/api/session', { headers: { cookie: live, ...ORIGIN } })
  expect(out.status).toBe(204)
  expect(out.headers.get('set-cookie')).toContain('Max-Age=0')
  expect((await withCookie(live)).status).toBe(401)
})

test('an admin access key logs in with its own reach; revoking the key ends its sessions; other scopes cannot log in', async () => {
  const a = admin(app)
  const orgId = await createOrg(sql)
  const otherOrg = await createOrg(sql)
  const key = (await a('POST', '/api-keys', { name: 'console', scopes: ['admin'], organizationId: orgId })).body
  const res = await login(key.key)
  expect(res.body).toEqual({ kind: 'key' })
  const me = await call(app, 'GET', '/console/api/session', { headers: { cookie: res.cookie! } })
  expect(me.body).toMatchObject({ kind: 'key', organizationId: orgId })
  const orgs = await withCookie(res.cookie!)
  expect(orgs.body.items.map((o: { id: string }) => o.id)).toEqual([orgId])
  expect((await withCookie(res.cookie!, 'GET', `/api/admin/v1/organizations/${otherOrg}`)).status).toBe(404)
  // Creating organizations is for the root: the session has the key's reach, no more.
  expect((await withCookie(res.cookie!, 'POST', '/api/admin/v1/organizations', { name: 'x' })).status).toBe(403)

  expect((await a('DELETE', `/api-keys/${key.id}`)).status).toBe(204)
  expect((await withCookie(res.cookie!)).status).toBe(401)

  const reader = (await a('POST', '/api-keys', { name: 'reader', scopes: ['directory:read'] })).body
  const refused = await login(reader.key)
  expect(refused.status).toBe(403)
  expect(refused.body.error.message).toContain('admin scope')
})

test('writes with the cookie need our origin; reads do not', async () => {
  const { cookie } = await login(ADMIN_TOKEN)
  const cross = await call(app, 'POST', '/api/admin/v1/organizations', { headers: { cookie: cookie!, 'sec-fetch-site': 'same-site' }, body: { name: 'x' } })
  expect(cross.status).toBe(403)
  expect(cross.body.error.code).toBe('forbidden')
  const read = await call(app, 'GET', '/api/admin/v1/organizations', { headers: { cookie: cookie!, 'sec-fetch-site': 'cross-site' } })
  expect(read.status).toBe(200)
  const ok = await call(app, 'POST', '/api/admin/v1/organizations', { headers: { cookie: cookie!, 'sec-fetch-site': 'same-origin' }, body: { name: 'made-in-console' } })
  expect(ok.status).toBe(201)
})

test('the organization list says what each organization has: SCIM, active users, bridges', async () => {
  const orgId = await createOrg(sql, 'summary-org')
  await sql`insert into scim_configurations (organization_id, token_hash) values (${orgId}, ${Buffer.from(crypto.getRandomValues(new Uint8Array(32)))})`
  await sql`insert into users (organization_id, user_name, active) values (${orgId}, 'a@x', true), (${orgId}, 'b@x', false)`
  const { body } = await admin(app)('GET', '/organizations?limit=500')
  const org = body.items.find((o: { id: string }) => o.id === orgId)
  expect(org).toMatchObject({ name: 'summary-org', scimEnabled: true, activeUsers: 1, bridges: [] })
})
