// Okta's provisioning client and its published SCIM 2.0 spec test, request by
// request: existence check, create with password and groups: [] as application/json,
// GET + PUT, path-less deactivate, groups with rename-by-id and mixed membership PATCH.
import { beforeAll, describe, expect, test } from 'bun:test'
import { ERROR, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, client, countOf, expectError, scimApp, tenant, type Send } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let audit: Awaited<ReturnType<typeof scimApp>>['audit']
let okta: Send
let orgId: string
beforeAll(async () => {
  ;({ app, sql, audit } = await scimApp())
  const t = await tenant(app)
  orgId = t.orgId
  // Okta sends JSON as application/json.
  okta = (method, path, body, headers = {}) => t.scim(method, path, body, { 'content-type': 'application/json; charset=utf-8', accept: 'application/scim+json', 'user-agent': 'Okta SCIM Client 1.0.0', ...headers })
})

const q = encodeURIComponent

describe('Okta user lifecycle', () => {
  const userName = `okta.user.${crypto.randomUUID().slice(0, 8)}@example.com`
  const password = `1mz050nq-${crypto.randomUUID()}`
  let id = ''
  let user: Record<string, any> = {}

  test('the Users endpoint pages with integers (spec test "count=1&startIndex=1")', async () => {
    await okta('POST', '/Users', { schemas: [USER_SCHEMA], userName: `seed.${crypto.randomUUID()}@example.com` })
    const r = await okta('GET', '/Users?count=1&startIndex=1')
    expect(r.status).toBe(200)
    expect(r.body.Resources).toHaveLength(1)
    for (const k of ['totalResults', 'itemsPerPage', 'startIndex']) expect(Number.isInteger(r.body[k])).toBe(true)
  })

  test('existence check: GET /Users?filter=userName eq "..."&startIndex=1&count=100 finds nothing', async () => {
    const r = await okta('GET', `/Users?filter=${q(`userName eq "${userName}"`)}&startIndex=1&count=100`)
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] })
  })

  test('create with password, groups: [] and externalId: 201; the password is nowhere', async () => {
    const r = await okta('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName,
      name: { givenName: 'Okta', familyName: 'User' },
      emails: [{ primary: true, value: userName, type: 'work' }],
      displayName: 'Okta User',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password,
      active: true,
    })
    expect(r.status).toBe(201)
    id = r.body.id
    expect(r.body.password).toBeUndefined()
    expect(JSON.stringify(r.body)).not.toContain(password)
    const rows = await sql`select * from users where organization_id = ${orgId} and id = ${id}`
    expect(JSON.stringify(rows)).not.toContain(password)
    await audit.flush()
    const events = await sql`select request_body, response_body from scim_events where organization_id = ${orgId}`
    expect(events.length).toBeGreaterThan(0)
    expect(JSON.stringify(events)).not.toContain(password)
  })

  test('a duplicate create is 409 uniqueness', async () => {
    expectError(await okta('POST', '/Users', { schemas: [USER_SCHEMA], userName, password, active: true }), 409, 'uniqueness')
  })

  test('the userName filter is case-insensitive (spec test)', async () => {
    const r = await okta('GET', `/Users?filter=${q(`userName eq "${userName.toUpperCase()}"`)}&startIndex=1&count=100`)
    expect(r.body.totalResults).toBe(1)
    expect(r.body.Resources[0].id).toBe(id)
  })

  test('GET then PUT the whole user (profile update)', async () => {
    user = (await okta('GET', `/Users/${id}`)).body
    const r = await okta('PUT', `/Users/${id}`, { ...user, name: { givenName: 'Okta', familyName: 'Updated' }, displayName: 'Okta Updated', title: 'Manager' })
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({ id, name: { familyName: 'Updated' }, displayName: 'Okta Updated', title: 'Manager', active: true, locale: 'en-US' })
  })

  test('deactivate: path-less {"op":"replace","value":{"active":false}}; the user stays', async () => {
    const r = await okta('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] })
    expect(r.status).toBe(200)
    expect(r.body.active).toBe(false)
    expect((await okta('GET', `/Users/${id}`)).body.active).toBe(false)
    expect(await countOf(sql`select count(*)::int as n from users where organization_id = ${orgId} and id = ${id}`)).toBe(1)
  })

  test('reactivate the same way', async () => {
    const r = await okta('PATCH', `/Users/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] })
    expect(r.body.active).toBe(true)
  })

  test('an unknown id is 404 with an Error body', async () => {
    const r = await okta('GET', `/Users/${crypto.randomUUID()}`)
    expect(r.status).toBe(404)
    expect(r.body.schemas).toEqual([ERROR])
    expect(r.body.status).toBe('404')
    expect(r.body.detail).toBeString()
  })

  test('a bad token is 401', async () => {
    const r = await client(app, 'scim_wrong')('GET', '/Users?filter=' + q(`userName eq "${userName}"`))
    expectError(r, 401)
  })
})

describe('Okta group push', () => {
  let groupId = ''
  let a = ''
  let b = ''

  test('create the group with no members', async () => {
    a = (await okta('POST', '/Users', { schemas: [USER_SCHEMA], userName: `ga.${crypto.randomUUID()}@example.com` })).body.id
    b = (await okta('POST', '/Users', { schemas: [USER_SCHEMA], userName: `gb.${crypto.randomUUID()}@example.com` })).body.id
    const r = await okta('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Test SCIMv2', members: [] })
    expect(r.status).toBe(201)
    groupId = r.body.id
  })

  test('rename: PATCH with id inside value', async () => {
    const r = await okta('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id: groupId, displayName: 'Test SCIMv2 Updated' } }],
    })
    expect(r.status).toBe(204)
    const got = await okta('GET', `/Groups/${groupId}`)
    expect(got.body).toMatchObject({ id: groupId, displayName: 'Test SCIMv2 Updated' })
  })

  test('membership: add, then a filtered remove and an add in one request', async () => {
    await okta('PATCH', `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: a, display: 'a' }] }] })
    const r = await okta('PATCH', `/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'remove', path: `members[value eq "${a}"]` },
        { op: 'add', path: 'members', value: [{ value: b, display: 'test.user@okta.local' }] },
      ],
    })
    expect(r.status).toBe(204)
    expect((await okta('GET', `/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value)).toEqual([b])
  })

  test('PUT with the full member list', async () => {
    const r = await okta('PUT', `/Groups/${groupId}`, { schemas: [GROUP_SCHEMA], id: groupId, displayName: 'Test SCIMv2 Updated', members: [{ value: a }, { value: b }] })
    expect(r.status).toBe(200)
    expect(r.body.members.map((m: { value: string }) => m.value).sort()).toEqual([a, b].sort())
  })

  test('delete the group: 204; the users stay', async () => {
    expect((await okta('DELETE', `/Groups/${groupId}`)).status).toBe(204)
    expectError(await okta('GET', `/Groups/${groupId}`), 404)
    expect((await okta('GET', `/Users/${a}`)).status).toBe(200)
  })
})
