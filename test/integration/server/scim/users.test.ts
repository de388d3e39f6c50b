// /Users CRUD over HTTP, against the real database; each rule about
// POST, PUT, active and DELETE is a test here.
import { beforeAll, describe, expect, test } from 'bun:test'
import { countOf, ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA, expectError, scimApp, tenant, uniqueName, userBody, type Send, type AnyRow } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let scim: Send
let orgId: string
beforeAll(async () => {
  ;({ app, sql } = await scimApp())
  ;({ scim, orgId } = await tenant(app))
})

const row = async (id: string): Promise<AnyRow> => (await sql`select * from users where organization_id = ${orgId} and id = ${id}`)[0] as AnyRow

describe('POST /Users', () => {
  test('201 with Location, ETag, meta and the stored resource', async () => {
    const name = uniqueName()
    const r = await scim('POST', '/Users', userBody(name, { externalId: 'ext-1', displayName: 'Babs', title: 'Tour Guide' }))
    expect(r.status).toBe(201)
    expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    const id = r.body.id
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(r.headers.get('location')).toBe(`http://localhost/api/connect/v1/scim/2.0/Users/${id}`)
    expect(r.headers.get('etag')).toBe('W/"1"')
    expect(r.body).toMatchObject({
      schemas: [USER_SCHEMA],
      userName: name,
      externalId: 'ext-1',
      displayName: 'Babs',
      title: 'Tour Guide',
      active: true,
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: name, type: 'work', primary: true }],
      meta: { resourceType: 'User', location: r.headers.get('location'), version: 'W/"1"' },
    })
    expect(Date.parse(r.body.meta.created)).toBeGreaterThan(Date.now() - 60_000)
    expect(r.body.meta.lastModified).toBe(r.body.meta.created)
    const stored = await row(id)
    expect(stored).toMatchObject({ userName: name, source: 'scim', version: 1, active: true })
  })

  test('active defaults to true', async () => {
    const body = userBody()
    delete (body as Record<string, unknown>).active
    const r = await scim('POST', '/Users', body)
    expect(r.status).toBe(201)
    expect(r.body.active).toBe(true)
  })

  test.each([
    ['the primary email', [{ value: 'Other@Example.com', type: 'home' }, { value: 'Primary@Example.COM', type: 'work', primary: true }], 'primary@example.com'],
    ['else the first email', [{ value: 'First@Example.com' }, { value: 'second@example.com' }], 'first@example.com'],
    ['else the userName when it looks like an email', undefined, 'USERNAME'],
  ] as const)('email column: %s, lower-cased', async (_, emails, expected) => {
    const userName = uniqueName().replace('user', 'UserName')
    const r = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName, ...(emails ? { emails } : {}) })
    expect(r.status).toBe(201)
    expect((await row(r.body.id)).email).toBe(expected === 'USERNAME' ? userName.toLowerCase() : expected)
  })

  test('no email and a userName that is not an address: email is null', async () => {
    const r = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `plain-${crypto.randomUUID()}` })
    expect(r.status).toBe(201)
    expect((await row(r.body.id)).email).toBeNull()
  })

  test('a duplicate userName is 409 uniqueness, case-insensitively, and stores nothing', async () => {
    const name = uniqueName()
    expect((await scim('POST', '/Users', userBody(name))).status).toBe(201)
    expectError(await scim('POST', '/Users', userBody(name)), 409, 'uniqueness')
    expectError(await scim('POST', '/Users', userBody(name.toUpperCase())), 409, 'uniqueness')
    const n = await countOf(sql`select count(*)::int as n from users where organization_id = ${orgId} and lower(user_name) = ${name.toLowerCase()}`)
    expect(n).toBe(1)
  })

  test('the same userName in two organizations is fine', async () => {
    const name = uniqueName()
    const other = await tenant(app)
    expect((await scim('POST', '/Users', userBody(name))).status).toBe(201)
    expect((await other.scim('POST', '/Users', userBody(name))).status).toBe(201)
  })

  test('two POSTs with one externalId and different userNames are two users (externalId is not unique)', async () => {
    const externalId = `shared-${crypto.randomUUID()}`
    const a = await scim('POST', '/Users', userBody(uniqueName('a'), { externalId, title: 'First', displayName: 'A' }))
    expect(a.status).toBe(201)
    const aBefore = await scim('GET', `/Users/${a.body.id}`)
    const aRowBefore = await row(a.body.id)
    const b = await scim('POST', '/Users', userBody(uniqueName('b'), { externalId, title: 'Second', displayName: 'B' }))
    expect(b.status).toBe(201)
    expect(b.body.id).not.toBe(a.body.id)
    expect(b.headers.get('location')).toEndWith(`/Users/${b.body.id}`)

    // The first user is byte-for-byte what it was, its row included.
    const aAfter = await scim('GET', `/Users/${a.body.id}`)
    expect(JSON.stringify(aAfter.body)).toBe(JSON.stringify(aBefore.body))
    expect(await row(a.body.id)).toEqual(aRowBefore)
    expect((await scim('GET', `/Users/${b.body.id}`)).body).toMatchObject({ userName: b.body.userName, title: 'Second', displayName: 'B', externalId })

    const both = await scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${externalId}"`)}`)
    expect(both.body.totalResults).toBe(2)
    expect(both.body.Resources.map((u: AnyRow) => u.id).sort()).toEqual([a.body.id, b.body.id].sort())
    const creates = await sql<{ userId: string }[]>`
      select user_id from scim_events where organization_id = ${orgId} and method = 'POST' and status = 201 and user_id in ${sql([a.body.id, b.body.id])}`
    expect(creates.map((e) => e.userId).sort()).toEqual([a.body.id, b.body.id].sort())

    expect((await scim('DELETE', `/Users/${a.body.id}`)).status).toBe(204)
    expect((await scim('DELETE', `/Users/${b.body.id}`)).status).toBe(204)
  })

  test("a validator's sequence: create A, create B with A's externalId, PUT A, PATCH B, filter, page, delete both", async () => {
    const prefix = `seq-${crypto.randomUUID().slice(0, 8)}`
    const externalId = `${prefix}-ext`
    const a = await scim('POST', '/Users', userBody(`${prefix}-a@example.com`, { externalId }))
    const b = await scim('POST', '/Users', userBody(`${prefix}-b@example.com`, { externalId }))
    expect([a.status, b.status]).toEqual([201, 201])
    const put = await scim('PUT', `/Users/${a.body.id}`, userBody(`${prefix}-a@example.com`, { externalId, title: 'Put' }))
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ id: a.body.id, title: 'Put' })
    const patch = await scim('PATCH', `/Users/${b.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Patched' }] })
    expect(patch.status).toBe(200)
    expect(patch.body).toMatchObject({ id: b.body.id, title: 'Patched' })
    // Each write landed on the user it named, and on no other.
    expect((await scim('GET', `/Users/${a.body.id}`)).body.title).toBe('Put')
    expect((await scim('GET', `/Users/${b.body.id}`)).body.title).toBe('Patched')
    const sw = await scim('GET', `/Users?filter=${encodeURIComponent(`userName sw "${prefix}"`)}&sortBy=userName`)
    expect(sw.body.Resources.map((u: AnyRow) => u.id)).toEqual([a.body.id, b.body.id])
    const page = await scim('GET', `/Users?filter=${encodeURIComponent(`userName sw "${prefix}"`)}&startIndex=1&count=2`)
    expect(page.body).toMatchObject({ totalResults: 2, startIndex: 1, itemsPerPage: 2 })
    expect((await scim('DELETE', `/Users/${a.body.id}`)).status).toBe(204)
    expect((await scim('DELETE', `/Users/${b.body.id}`)).status).toBe(204)
    expect((await scim('GET', `/Users?filter=${encodeURIComponent(`externalId eq "${externalId}"`)}`)).body.totalResults).toBe(0)
  })

  test('the same userName again is a duplicate (409), whatever the externalId, in any case', async () => {
    const name = uniqueName()
    const first = await scim('POST', '/Users', userBody(name, { externalId: `ext-${crypto.randomUUID()}`, title: 'Kept' }))
    expect(first.status).toBe(201)
    const before = await row(first.body.id)
    expectError(await scim('POST', '/Users', userBody(name, { externalId: first.body.externalId })), 409, 'uniqueness')
    expectError(await scim('POST', '/Users', userBody(name.toUpperCase(), { externalId: `other-${crypto.randomUUID()}` })), 409, 'uniqueness')
    expect(await row(first.body.id)).toEqual(before)
  })

  test('no account takeover: a new user with an existing user\'s email is a separate user', async () => {
    const victim = await scim('POST', '/Users', userBody(uniqueName(), { title: 'CFO' }))
    const email = victim.body.emails[0].value
    const attacker = await scim('POST', '/Users', userBody(uniqueName('attacker'), { emails: [{ value: email, primary: true }], title: 'x' }))
    expect(attacker.status).toBe(201)
    expect(attacker.body.id).not.toBe(victim.body.id)
    expect((await row(victim.body.id)).title).toBe('CFO')
  })

  test('password is accepted, never returned, never stored', async () => {
    const secret = `S3cret-${crypto.randomUUID()}`
    const r = await scim('POST', '/Users', userBody(uniqueName(), { password: secret }))
    expect(r.status).toBe(201)
    expect(JSON.stringify(r.body)).not.toContain(secret)
    expect(JSON.stringify(await row(r.body.id))).not.toContain(secret)
    const got = await scim('GET', `/Users/${r.body.id}?attributes=password,userName`)
    expect(got.body.password).toBeUndefined()
  })

  test('readOnly attributes in the body (id, meta, groups) are ignored', async () => {
    const r = await scim('POST', '/Users', userBody(uniqueName(), {
      id: '11111111-1111-1111-1111-111111111111',
      meta: { version: 'W/"99"', created: '2000-01-01T00:00:00Z' },
      groups: [{ value: '22222222-2222-2222-2222-222222222222' }],
    }))
    expect(r.status).toBe(201)
    expect(r.body.id).not.toBe('11111111-1111-1111-1111-111111111111')
    expect(r.body.meta.version).toBe('W/"1"')
    expect(r.body.groups).toBeUndefined()
  })

  test('unknown attributes are ignored (Entra sends extras)', async () => {
    const r = await scim('POST', '/Users', userBody(uniqueName(), { favouriteColour: 'blue', 'urn:example:custom': { x: 1 } }))
    expect(r.status).toBe(201)
    expect(r.body.favouriteColour).toBeUndefined()
  })

  test.each([
    ['userName missing', { schemas: [USER_SCHEMA] }],
    ['userName empty', { schemas: [USER_SCHEMA], userName: '   ' }],
    ['userName a number array', { schemas: [USER_SCHEMA], userName: ['a'] }],
    ['active not a boolean', { schemas: [USER_SCHEMA], userName: 'x-active@example.com', active: 'maybe' }],
    ['name not an object', { schemas: [USER_SCHEMA], userName: 'x-name@example.com', name: ['x'] }],
    ['emails of the wrong type', { schemas: [USER_SCHEMA], userName: 'x-emails@example.com', emails: [{ value: { nested: true } }] }],
    ['two primary emails', { schemas: [USER_SCHEMA], userName: 'x-prim@example.com', emails: [{ value: 'a@x.io', primary: true }, { value: 'b@x.io', primary: true }] }],
  ])('%s -> 400 invalidValue, nothing stored', async (_, body) => {
    const before = await sql`select count(*)::int as n from users where organization_id = ${orgId}`
    expectError(await scim('POST', '/Users', body), 400, 'invalidValue')
    expect(await sql`select count(*)::int as n from users where organization_id = ${orgId}`).toEqual(before)
  })

  test('a body that is not an object is 400 invalidSyntax', async () => {
    expectError(await scim('POST', '/Users', '[1,2]'), 400, 'invalidSyntax')
    expectError(await scim('POST', '/Users', '"just a string"'), 400, 'invalidSyntax')
  })

  test('string booleans and numbers are accepted ("False", employeeNumber 42)', async () => {
    const r = await scim('POST', '/Users', userBody(uniqueName(), { active: 'False', [ENTERPRISE]: { employeeNumber: 42 } }))
    expect(r.status).toBe(201)
    expect(r.body.active).toBe(false)
    expect(r.body[ENTERPRISE].employeeNumber).toBe('42')
  })
})

describe('GET /Users/{id}', () => {
  test('returns the user; an unknown, malformed or empty id is 404 in SCIM format', async () => {
    const created = await scim('POST', '/Users', userBody())
    const r = await scim('GET', `/Users/${created.body.id}`)
    expect(r.status).toBe(200)
    expect(r.headers.get('etag')).toBe('W/"1"')
    expect(r.body).toEqual(created.body)
    for (const id of [crypto.randomUUID(), 'not-a-uuid', '1', "'; drop table users; --", '%00', 'x'.repeat(500)]) {
      expectError(await scim('GET', `/Users/${encodeURIComponent(id)}`), 404)
    }
  })

  test('the whole User schema round-trips, including the Enterprise extension', async () => {
    const manager = await scim('POST', '/Users', userBody(uniqueName('boss'), { displayName: 'The Boss' }))
    const body = {
      schemas: [USER_SCHEMA, ENTERPRISE],
      userName: uniqueName(),
      externalId: 'e-42',
      name: { formatted: 'Ms. Barbara J Jensen III', familyName: 'Jensen', givenName: 'Barbara', middleName: 'Jane', honorificPrefix: 'Ms.', honorificSuffix: 'III' },
      displayName: 'Babs Jensen',
      nickName: 'Babs',
      profileUrl: 'https://login.example.com/bjensen',
      title: 'Tour Guide',
      userType: 'Employee',
      preferredLanguage: 'en-US',
      locale: 'en-US',
      timezone: 'America/Los_Angeles',
      active: true,
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'babs@jensen.org', type: 'home' }],
      phoneNumbers: [{ value: '555-555-5555', type: 'work' }, { value: '555-555-4444', type: 'mobile' }],
      ims: [{ value: 'someaimhandle', type: 'aim' }],
      photos: [{ value: 'https://photos.example.com/profilephoto/72930000000Ccne/F', type: 'photo' }],
      addresses: [{ type: 'work', streetAddress: '100 Universal City Plaza', locality: 'Hollywood', region: 'CA', postalCode: '91608', country: 'USA', formatted: '100 Universal City Plaza\nHollywood, CA 91608 USA', primary: true }],
      entitlements: [{ value: 'admin' }],
      roles: [{ value: 'student', primary: true }],
      x509Certificates: [{ value: 'MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx' }],
      [ENTERPRISE]: {
        employeeNumber: '701984',
        costCenter: '4130',
        organization: 'Universal Studios',
        division: 'Theme Park',
        department: 'Tour Operations',
        manager: { value: manager.body.id },
      },
    }
    const created = await scim('POST', '/Users', body)
    expect(created.status).toBe(201)
    const got = await scim('GET', `/Users/${created.body.id}`)
    const { schemas, ...attributes } = body
    expect(got.body).toMatchObject({ ...attributes, [ENTERPRISE]: { ...body[ENTERPRISE], manager: { value: manager.body.id } } })
    expect(got.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE])
    expect(got.body[ENTERPRISE].manager).toEqual({
      value: manager.body.id,
      $ref: `http://localhost/api/connect/v1/scim/2.0/Users/${manager.body.id}`,
      displayName: 'The Boss',
    })
  })

  test('manager given as a plain string id (Entra, Probo) is stored as its value', async () => {
    const manager = await scim('POST', '/Users', userBody(uniqueName('mgr'), { displayName: 'Mgr' }))
    const r = await scim('POST', '/Users', userBody(uniqueName(), { [ENTERPRISE]: { manager: manager.body.id } }))
    expect(r.body[ENTERPRISE].manager).toMatchObject({ value: manager.body.id, displayName: 'Mgr' })
  })

  test('a manager id that names nobody is kept, without displayName', async () => {
    const r = await scim('POST', '/Users', userBody(uniqueName(), { [ENTERPRISE]: { manager: { value: 'not-a-user' } } }))
    expect(r.status).toBe(201)
    expect(r.body[ENTERPRISE].manager.value).toBe('not-a-user')
    expect(r.body[ENTERPRISE].manager.displayName).toBeUndefined()
  })

  test('groups (read-only) lists the user\'s memberships with value, $ref, display, type', async () => {
    const u = await scim('POST', '/Users', userBody())
    const g1 = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Alpha', members: [{ value: u.body.id }] })
    const g2 = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Beta', members: [{ value: u.body.id }] })
    const r = await scim('GET', `/Users/${u.body.id}`)
    expect(r.body.groups).toEqual([
      { value: g1.body.id, $ref: `http://localhost/api/connect/v1/scim/2.0/Groups/${g1.body.id}`, display: 'Alpha', type: 'direct' },
      { value: g2.body.id, $ref: `http://localhost/api/connect/v1/scim/2.0/Groups/${g2.body.id}`, display: 'Beta', type: 'direct' },
    ])
    expect((await scim('GET', `/Users/${u.body.id}?excludedAttributes=groups`)).body.groups).toBeUndefined()
  })

  test('attributes= and excludedAttributes= project the resource', async () => {
    const u = await scim('POST', '/Users', userBody(uniqueName(), { title: 'T', [ENTERPRISE]: { department: 'D' } }))
    const only = await scim('GET', `/Users/${u.body.id}?attributes=userName,name.givenName`)
    expect(Object.keys(only.body).sort()).toEqual(['id', 'name', 'schemas', 'userName'])
    expect(only.body.name).toEqual({ givenName: 'Barbara' })
    const without = await scim('GET', `/Users/${u.body.id}?excludedAttributes=title,${ENTERPRISE}:department`)
    expect(without.body.title).toBeUndefined()
    expect(without.body[ENTERPRISE]).toBeUndefined()
    expect(without.body.schemas).toEqual([USER_SCHEMA])
    expect(without.body.userName).toBe(u.body.userName)
  })
})

describe('PUT /Users/{id}', () => {
  test('replaces the user: missing active means true, missing optional fields are cleared', async () => {
    const u = await scim('POST', '/Users', userBody(uniqueName(), { active: false, title: 'T', nickName: 'N', phoneNumbers: [{ value: '1' }], [ENTERPRISE]: { department: 'D' } }))
    const r = await scim('PUT', `/Users/${u.body.id}`, { schemas: [USER_SCHEMA], userName: u.body.userName, displayName: 'New' })
    expect(r.status).toBe(200)
    expect(r.headers.get('etag')).toBe('W/"2"')
    expect(r.body.active).toBe(true)
    expect(r.body.displayName).toBe('New')
    for (const gone of ['title', 'nickName', 'phoneNumbers', 'emails', 'name', ENTERPRISE]) expect(r.body[gone]).toBeUndefined()
    const stored = await row(u.body.id)
    expect(stored).toMatchObject({ title: null, nickName: null, phoneNumbers: [], department: null, active: true, version: 2 })
  })

  test('changes the email and userName (the reference could not)', async () => {
    const u = await scim('POST', '/Users', userBody())
    const newName = uniqueName('moved')
    const r = await scim('PUT', `/Users/${u.body.id}`, userBody(newName))
    expect(r.body.userName).toBe(newName)
    expect((await row(u.body.id)).email).toBe(newName.toLowerCase())
  })

  test('the same body twice does not bump the version', async () => {
    const body = userBody()
    const u = await scim('POST', '/Users', body)
    const r = await scim('PUT', `/Users/${u.body.id}`, body)
    expect(r.body.meta.version).toBe('W/"1"')
    expect(r.body.meta.lastModified).toBe(u.body.meta.lastModified)
  })

  test('a userName taken by someone else is 409; the user is unchanged', async () => {
    const a = await scim('POST', '/Users', userBody())
    const b = await scim('POST', '/Users', userBody())
    expectError(await scim('PUT', `/Users/${b.body.id}`, userBody(a.body.userName.toUpperCase())), 409, 'uniqueness')
    expect((await row(b.body.id)).userName).toBe(b.body.userName)
  })

  test('unknown id is 404; missing userName is 400', async () => {
    expectError(await scim('PUT', `/Users/${crypto.randomUUID()}`, userBody()), 404)
    const u = await scim('POST', '/Users', userBody())
    expectError(await scim('PUT', `/Users/${u.body.id}`, { schemas: [USER_SCHEMA], displayName: 'x' }), 400, 'invalidValue')
  })
})

describe('deactivation and DELETE', () => {
  test('active=false keeps the user: readable, listed, filterable', async () => {
    const u = await scim('POST', '/Users', userBody())
    const r = await scim('PUT', `/Users/${u.body.id}`, { ...userBody(u.body.userName), active: false })
    expect(r.body.active).toBe(false)
    expect((await scim('GET', `/Users/${u.body.id}`)).body.active).toBe(false)
    const list = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${u.body.userName}"`)}`)
    expect(list.body.totalResults).toBe(1)
    expect(list.body.Resources[0].active).toBe(false)
    const inactive = await scim('GET', `/Users?filter=${encodeURIComponent(`active eq false and userName eq "${u.body.userName}"`)}`)
    expect(inactive.body.totalResults).toBe(1)
  })

  test('DELETE removes the user (204, then 404) and its memberships', async () => {
    const u = await scim('POST', '/Users', userBody())
    const g = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: u.body.id }] })
    const r = await scim('DELETE', `/Users/${u.body.id}`)
    expect(r.status).toBe(204)
    expect(r.body).toBeNull()
    expectError(await scim('GET', `/Users/${u.body.id}`), 404)
    expectError(await scim('DELETE', `/Users/${u.body.id}`), 404)
    expect(await row(u.body.id)).toBeUndefined()
    expect((await scim('GET', `/Groups/${g.body.id}`)).body.members).toBeUndefined()
  })
})

describe('attributes= with a value filter (Microsoft\'s validator)', () => {
  test('emails[type eq "work"] returns the work email and nothing else of emails, on GET by id and on lists', async () => {
    const name = uniqueName()
    const u = await scim('POST', '/Users', userBody(name, { emails: [{ value: name, type: 'work', primary: true }, { value: `home.${name}`, type: 'home' }] }))
    const attributes = encodeURIComponent('emails[type eq "work"]')
    const one = await scim('GET', `/Users/${u.body.id}?attributes=${attributes}`)
    expect(one.status).toBe(200)
    expect(one.body.emails).toEqual([{ value: name, type: 'work', primary: true }])
    expect(one.body.userName).toBeUndefined()
    const list = await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}&attributes=${encodeURIComponent('emails[type eq "work"].value,userName')}`)
    expect(list.body.Resources).toEqual([{ schemas: [USER_SCHEMA], id: u.body.id, userName: name, emails: [{ value: name }] }])
    const excluded = await scim('GET', `/Users/${u.body.id}?excludedAttributes=${encodeURIComponent('emails[type eq "home"]')}`)
    expect(excluded.body.emails).toEqual([{ value: name, type: 'work', primary: true }])
    expect(excluded.body.userName).toBe(name)
  })
})

describe('a write lands only on the user the URL names', () => {
  test("PUT /Users/{A} with B's id and externalId in the body changes A, never B; B's userName is a 409", async () => {
    const a = await scim('POST', '/Users', userBody(uniqueName('a'), { externalId: `a-${crypto.randomUUID()}`, title: 'A' }))
    const b = await scim('POST', '/Users', userBody(uniqueName('b'), { externalId: `b-${crypto.randomUUID()}`, title: 'B' }))
    const bBefore = await row(b.body.id)
    const put = await scim('PUT', `/Users/${a.body.id}`, userBody(a.body.userName, { id: b.body.id, externalId: b.body.externalId, title: 'A2' }))
    expect(put.status).toBe(200)
    expect(put.body).toMatchObject({ id: a.body.id, title: 'A2', externalId: b.body.externalId })
    expectError(await scim('PUT', `/Users/${a.body.id}`, userBody(b.body.userName.toUpperCase())), 409, 'uniqueness')
    const patch = await scim('PATCH', `/Users/${a.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { id: b.body.id, title: 'A3' } }] })
    expect(patch.body).toMatchObject({ id: a.body.id, title: 'A3' })
    expect(await row(b.body.id)).toEqual(bBefore)
  })
})
