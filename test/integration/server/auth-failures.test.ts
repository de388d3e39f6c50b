// Failed authentication is bounded on every surface (SCIM, admin API, console login), over
// a listening server: the client address comes from the socket and, behind the trusted
// proxy (here, the test itself on loopback), X-Forwarded-For.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { ADMIN_TOKEN, admin, newOrg, reply, testApp } from '../../support'

const BUDGET = 5
let t: Awaited<ReturnType<typeof testApp>>
let base: string
let scimToken: string
let accessKey: string

beforeAll(async () => {
  t = await testApp({ env: { TRUSTED_PROXIES: '127.0.0.1', AUTH_FAILURES_PER_MINUTE: String(BUDGET) } })
  ;({ token: scimToken } = await newOrg(t.app))
  accessKey = (await admin(t.app)('POST', '/api-keys', { name: 'ops', scopes: ['admin'] })).body.key
  base = `http://127.0.0.1:${t.app.listen({ port: 0, hostname: '127.0.0.1' }).server!.port}`
})

afterAll(() => t.app.stop(true))

async function from(ip: string, method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const headers: Record<string, string> = { 'x-forwarded-for': ip, origin: 'http://localhost' }
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`
  if (opts.body !== undefined) headers['content-type'] = 'application/json'
  return reply(await fetch(base + path, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) }))
}

const SCIM_USERS = '/api/connect/v1/scim/2.0/Users'
const ORGS = '/api/admin/v1/organizations'
const badToken = (i: number) => `scim_${String(i).padStart(43, 'x')}`

function expect429(r: Awaited<ReturnType<typeof from>>, retryAfter: number) {
  expect(r.status).toBe(429)
  expect(r.headers.get('retry-after')).toBe(String(retryAfter))
}

describe('SCIM', () => {
  test('bad tokens from one address get 429 with Retry-After; a good token from it and other addresses still get in', async () => {
    const ip = '203.0.113.10'
    expect((await from('198.51.100.1', 'GET', SCIM_USERS, { token: scimToken })).status).toBe(200) // in use: proven here
    for (let i = 0; i < BUDGET; i++) expect((await from(ip, 'GET', SCIM_USERS, { token: badToken(i) })).status).toBe(401)
    const refused = await from(ip, 'GET', SCIM_USERS, { token: badToken(BUDGET) })
    expect429(refused, 60 / BUDGET)
    expect(refused.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429' })
    expect(refused.body.detail).toBe(`too many failed authentications from this client address; retry after ${60 / BUDGET} s with a valid credential`)
    expect((await from(ip, 'GET', SCIM_USERS, { token: scimToken })).status).toBe(200)
    expect((await from('203.0.113.11', 'GET', SCIM_USERS, { token: badToken(99) })).status).toBe(401)
  })
})

describe('admin API', () => {
  test('the same bound: 429 with Retry-After, then ADMIN_TOKEN and a proven key from that address still work', async () => {
    const ip = '203.0.113.20'
    expect((await from('198.51.100.2', 'GET', ORGS, { token: accessKey })).status).toBe(200)
    for (let i = 0; i < BUDGET; i++) expect((await from(ip, 'GET', ORGS, { token: `wrong-admin-token-${i}` })).status).toBe(401)
    const refused = await from(ip, 'GET', ORGS, { token: 'wrong-admin-token-x' })
    expect429(refused, 60 / BUDGET)
    expect(refused.body).toEqual({ error: { code: 'too_many_failures', message: `too many failed authentications from this client address; retry after ${60 / BUDGET} s with a valid credential` } })
    expect((await from(ip, 'GET', ORGS, { token: accessKey })).status).toBe(200)
    expect((await from(ip, 'GET', ORGS, { token: ADMIN_TOKEN })).status).toBe(200) // proven by the setup
    expect((await from('203.0.113.21', 'GET', ORGS, { token: 'wrong-admin-token-y' })).status).toBe(401)
  })
})

describe('console login', () => {
  test('wrong tokens count too: the form gets 429 with a message; the admin token from that address logs in', async () => {
    const ip = '203.0.113.30'
    for (let i = 0; i < BUDGET; i++) expect((await from(ip, 'POST', '/console/api/session', { body: { token: `guess-${i}` } })).status).toBe(401)
    const refused = await from(ip, 'POST', '/console/api/session', { body: { token: 'guess-x' } })
    expect429(refused, 60 / BUDGET)
    // What the login form shows (console/api.ts reads error.message).
    expect(refused.body.error.message).toBe(`too many failed authentications from this client address; retry after ${60 / BUDGET} s with a valid credential`)
    expect((await from(ip, 'POST', '/console/api/session', { body: { token: ADMIN_TOKEN } })).status).toBe(201)
    expect((await from('203.0.113.31', 'POST', '/console/api/session', { body: { token: 'guess-y' } })).status).toBe(401)
  })

  test('one budget across surfaces: failures on the admin API count against the console login', async () => {
    const ip = '203.0.113.40'
    for (let i = 0; i < BUDGET; i++) await from(ip, 'GET', ORGS, { token: `wrong-${i}` })
    expect429(await from(ip, 'POST', '/console/api/session', { body: { token: 'guess' } }), 60 / BUDGET)
    expect429(await from(ip, 'GET', SCIM_USERS, { token: badToken(300) }), 60 / BUDGET)
  })
})

/** Asks again until the answer has `status` (a notification between processes takes a moment), or 5 s pass. */
async function settles(ask: () => Promise<Awaited<ReturnType<typeof reply>>>, status: number) {
  let r = await ask()
  for (const deadline = Date.now() + 5000; r.status !== status && Date.now() < deadline; r = await ask()) await Bun.sleep(50)
  return r
}

describe('a replica that has not seen a credential work', () => {
  test('lets a live one through from an address over its budget (SCIM token, ADMIN_TOKEN, a key made on another replica since); guesses still get 429', async () => {
    // A second `serve` replica on the same database: nothing has proved valid on it yet.
    const replica = await testApp({ env: { TRUSTED_PROXIES: '127.0.0.1', AUTH_FAILURES_PER_MINUTE: String(BUDGET) } })
    const server = replica.app.listen({ port: 0, hostname: '127.0.0.1' })
    const at = (ip: string, method: string, path: string, token: string) =>
      fetch(`http://127.0.0.1:${server.server!.port}${path}`, { method, headers: { 'x-forwarded-for': ip, authorization: `Bearer ${token}` } }).then(reply)
    try {
      const ip = '203.0.113.50'
      for (let i = 0; i < BUDGET; i++) expect((await at(ip, 'GET', SCIM_USERS, badToken(500 + i))).status).toBe(401)
      expect429(await at(ip, 'GET', SCIM_USERS, badToken(599)), 60 / BUDGET)
      expect((await at(ip, 'GET', SCIM_USERS, scimToken)).status).toBe(200)
      expect((await at(ip, 'GET', ORGS, ADMIN_TOKEN)).status).toBe(200)
      // Made on the first replica after this one read the list: the notification brings it in.
      const made = (await from('198.51.100.3', 'POST', '/api/admin/v1/api-keys', { token: ADMIN_TOKEN, body: { name: 'fresh', scopes: ['admin'] } })).body
      const fresh = made.key as string
      expect((await settles(() => at(ip, 'GET', ORGS, fresh), 200)).status).toBe(200)
      // Still refused unread: guesses.
      expect429(await at(ip, 'GET', ORGS, 'sbk_' + 'x'.repeat(43)), 60 / BUDGET)
      expect429(await at(ip, 'GET', SCIM_USERS, badToken(600)), 60 / BUDGET)
      // A key revoked since: 401 once (it had worked here), then out of the list: 429.
      expect((await from('198.51.100.3', 'DELETE', `/api/admin/v1/api-keys/${made.id}`, { token: ADMIN_TOKEN })).status).toBe(204)
      expect((await at(ip, 'GET', ORGS, fresh)).status).toBe(401)
      expect429(await settles(() => at(ip, 'GET', ORGS, fresh), 429), 60 / BUDGET)
    } finally {
      await server.stop(true)
    }
  })
})
