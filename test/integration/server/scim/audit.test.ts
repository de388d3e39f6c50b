// Every SCIM request is an audit event: writes in the same transaction as the change,
// everything else through the buffer; bodies redacted, headers never stored.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { GROUP_SCHEMA, USER_SCHEMA, client, patchBody, scimApp, tenant, userBody, type AnyRow, type Send } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let audit: Awaited<ReturnType<typeof scimApp>>['audit']
let scim: Send
let token: string
let orgId: string
let configurationId: string
beforeAll(async () => {
  ;({ app, sql, audit } = await scimApp())
  ;({ scim, token, orgId, configurationId } = await tenant(app))
})

const events = async (): Promise<AnyRow[]> => {
  await audit.flush()
  return sql`select * from scim_events where organization_id = ${orgId} order by id`
}
const last = async () => (await events()).at(-1)!

describe('audit events', () => {
  test('a read: method, path with query, status, bodies, configuration, user agent, duration', async () => {
    const r = await scim('GET', '/Users?filter=userName%20pr&count=5', undefined, { 'user-agent': 'Entra-Provisioning/1.0' })
    const e = await last()
    expect(e).toMatchObject({
      scimConfigurationId: configurationId,
      source: 'scim',
      method: 'GET',
      path: '/api/connect/v1/scim/2.0/Users?filter=userName%20pr&count=5',
      status: 200,
      userAgent: 'Entra-Provisioning/1.0',
      error: null,
    })
    expect(JSON.parse(e.responseBody)).toEqual(r.body)
    expect(e.durationMs).toBeGreaterThan(0)
    expect(e.createdAt).toBeInstanceOf(Date)
  })

  test('a create is recorded in its own transaction, with the user id and userName, password redacted', async () => {
    const body = userBody(undefined, { password: 'hunter2-secret' })
    const r = await scim('POST', '/Users', body)
    // No flush: the event was committed with the user.
    const [e] = await sql`select * from scim_events where organization_id = ${orgId} and method = 'POST' and user_id = ${r.body.id}`
    expect(e).toMatchObject({ status: 201, userName: body.userName, path: '/api/connect/v1/scim/2.0/Users' })
    expect(e!.requestBody).not.toContain('hunter2-secret')
    expect(JSON.parse(e!.requestBody).password).toBe('[REDACTED]')
    expect(JSON.parse(e!.responseBody).id).toBe(r.body.id)
  })

  test('failures are recorded with their status and error detail; nothing of the failed change', async () => {
    const u = await scim('POST', '/Users', userBody())
    await scim('POST', '/Users', userBody(u.body.userName))
    const dup = await last()
    expect(dup).toMatchObject({ method: 'POST', status: 409, userName: u.body.userName })
    expect(dup.error).toContain('already taken')
    await scim('PATCH', `/Users/${u.body.id}`, patchBody({ op: 'replace', path: 'active', value: 'maybe' }))
    const bad = await last()
    expect(bad).toMatchObject({ method: 'PATCH', status: 400, userId: u.body.id })
    expect(JSON.parse(bad.responseBody).scimType).toBe('invalidValue')
  })

  test('malformed bodies are recorded as the text received', async () => {
    await scim('POST', '/Users', '{"userName": broken')
    const e = await last()
    expect(e.status).toBe(400)
    expect(e.requestBody).toContain('broken')
  })

  test('unknown routes, 405s and 501s with a valid token are recorded', async () => {
    await scim('GET', '/Nope?x=1')
    expect(await last()).toMatchObject({ method: 'GET', path: '/api/connect/v1/scim/2.0/Nope?x=1', status: 404 })
    await scim('DELETE', '/Users')
    expect((await last()).status).toBe(405)
    await scim('GET', '/Me')
    expect((await last()).status).toBe(501)
  })

  test('group requests and deletes are recorded', async () => {
    const g = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Audited' })
    await scim('DELETE', `/Groups/${g.body.id}`)
    const e = await last()
    expect(e).toMatchObject({ method: 'DELETE', status: 204, responseBody: null })
  })

  test('unauthenticated requests have no tenant, so no row; tokens and headers are never stored', async () => {
    const before = (await events()).length
    await client(app, 'scim_not-a-real-token')('GET', '/Users')
    await client(app, null)('GET', '/Users')
    expect((await events()).length).toBe(before)
    const all = JSON.stringify(await events())
    expect(all).not.toContain(token)
    expect(all.toLowerCase()).not.toContain('authorization')
  })

  test('every request of a session is one event, in order', async () => {
    const before = (await events()).length
    const u = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `ordered-${crypto.randomUUID()}` })
    await scim('GET', `/Users/${u.body.id}`)
    await scim('PATCH', `/Users/${u.body.id}`, patchBody({ op: 'replace', path: 'title', value: 't' }))
    await scim('DELETE', `/Users/${u.body.id}`)
    const after = await events()
    expect(after.slice(before).map((e) => `${e.method} ${e.status}`).sort()).toEqual(['DELETE 204', 'GET 200', 'PATCH 200', 'POST 201'])
  })
})

describe('client IP over a real socket', () => {
  let server: ReturnType<typeof Bun.serve> | undefined
  afterAll(() => server?.stop(true))

  test('the socket address, and X-Forwarded-For only from a trusted proxy', async () => {
    const t = await scimApp({ TRUSTED_PROXIES: '127.0.0.1' })
    const listening = t.app.listen({ port: 0, hostname: '127.0.0.1' })
    server = listening.server!
    const { token: tok, orgId: org } = await tenant(t.app)
    const url = `http://127.0.0.1:${server.port}/api/connect/v1/scim/2.0/Users`
    await fetch(url, { headers: { authorization: `Bearer ${tok}`, 'x-forwarded-for': '203.0.113.7' } })
    await t.audit.flush()
    const [e] = await sql`select ip from scim_events where organization_id = ${org} order by id desc limit 1`
    expect(e!.ip).toBe('203.0.113.7')
    const { token: tok2, orgId: org2 } = await tenant(t.app)
    const u = await scimApp()
    const l2 = u.app.listen({ port: 0, hostname: '127.0.0.1' })
    await fetch(`http://127.0.0.1:${l2.server!.port}/api/connect/v1/scim/2.0/Users`, { headers: { authorization: `Bearer ${tok2}`, 'x-forwarded-for': '203.0.113.7' } })
    await u.audit.flush()
    const [e2] = await sql`select ip from scim_events where organization_id = ${org2} order by id desc limit 1`
    expect(e2!.ip).toBe('127.0.0.1') // untrusted peer: its forwarded header is ignored
    l2.server!.stop(true)
  })
})
