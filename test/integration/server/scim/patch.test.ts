// PATCH /Users over HTTP (RFC 7644 §3.5.2) in the shapes real clients send; the
// engine's own rules are unit-tested in test/unit/server/scim/patch.
import { beforeAll, describe, expect, test } from 'bun:test'
import { ENTERPRISE, USER_SCHEMA, expectError, patchBody, scimApp, tenant, uniqueName, userBody, type Send, type AnyRow } from './helpers'

let scim: Send
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let orgId: string
beforeAll(async () => {
  const t = await scimApp()
  sql = t.sql
  ;({ scim, orgId } = await tenant(t.app))
})

const create = async (extra: Record<string, unknown> = {}) => (await scim('POST', '/Users', userBody(undefined, extra))).body
const patch = (id: string, ...ops: unknown[]) => scim('PATCH', `/Users/${id}`, patchBody(...ops))
const row = async (id: string): Promise<AnyRow> => (await sql`select * from users where organization_id = ${orgId} and id = ${id}`)[0]!

describe('PATCH /Users/{id}', () => {
  test('returns 200 with the resource, ETag and a new version', async () => {
    const u = await create()
    const r = await patch(u.id, { op: 'replace', path: 'title', value: 'Boss' })
    expect(r.status).toBe(200)
    expect(r.body.title).toBe('Boss')
    expect(r.headers.get('etag')).toBe('W/"2"')
    expect(r.body.meta.version).toBe('W/"2"')
    expect(Date.parse(r.body.meta.lastModified)).toBeGreaterThanOrEqual(Date.parse(u.meta.lastModified))
  })

  test('ops are case-insensitive; add == replace on a single value', async () => {
    const u = await create()
    expect((await patch(u.id, { op: 'Replace', path: 'title', value: 'A' })).body.title).toBe('A')
    expect((await patch(u.id, { op: 'ADD', path: 'title', value: 'B' })).body.title).toBe('B')
    expect((await patch(u.id, { op: 'add', path: 'nickName', value: 'N' })).body.nickName).toBe('N')
  })

  test('path-less replace with nested, dotted and URN-qualified keys', async () => {
    const u = await create()
    const r = await patch(u.id, {
      op: 'replace',
      value: {
        name: { givenName: 'Nested' },
        'name.familyName': 'Dotted',
        [`${ENTERPRISE}:department`]: 'Urn Flat',
        [ENTERPRISE]: { costCenter: 'Urn Nested' },
        displayName: 'Shown',
      },
    })
    expect(r.status).toBe(200)
    expect(r.body.name).toMatchObject({ givenName: 'Nested', familyName: 'Dotted' })
    expect(r.body[ENTERPRISE]).toMatchObject({ department: 'Urn Flat', costCenter: 'Urn Nested' })
    expect(r.body.schemas).toEqual([USER_SCHEMA, ENTERPRISE])
    expect(r.body.displayName).toBe('Shown')
  })

  test('enterprise manager as an object or as a plain string', async () => {
    const m = await create({ displayName: 'Manager One' })
    const u = await create()
    const a = await patch(u.id, { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: m.id } })
    expect(a.body[ENTERPRISE].manager).toMatchObject({ value: m.id, displayName: 'Manager One' })
    const m2 = await create({ displayName: 'Manager Two' })
    const b = await patch(u.id, { op: 'replace', value: { [`${ENTERPRISE}:manager`]: m2.id } })
    expect(b.body[ENTERPRISE].manager).toMatchObject({ value: m2.id, displayName: 'Manager Two' })
    expect((await row(u.id)).managerId).toBe(m2.id)
  })

  test('remove clears an attribute; removing a required one is 400 mutability', async () => {
    const u = await create({ title: 'T', [ENTERPRISE]: { department: 'D' } })
    const r = await patch(u.id, { op: 'remove', path: 'title' }, { op: 'remove', path: `${ENTERPRISE}:department` })
    expect(r.body.title).toBeUndefined()
    expect(r.body[ENTERPRISE]).toBeUndefined()
    expect(r.body.schemas).toEqual([USER_SCHEMA])
    expect((await row(u.id)).title).toBeNull()
    expectError(await patch(u.id, { op: 'remove', path: 'userName' }), 400, 'mutability')
  })

  test('emails and phone numbers are patchable (the reference ignored them); the email column follows', async () => {
    const u = await create({ phoneNumbers: [{ value: '111', type: 'work' }] })
    const newEmail = uniqueName('patched')
    const r = await patch(
      u.id,
      { op: 'replace', path: 'emails[type eq "work"].value', value: newEmail },
      { op: 'add', path: 'phoneNumbers', value: [{ value: '222', type: 'mobile' }] },
      { op: 'replace', path: 'phoneNumbers[type eq "work"].value', value: '333' },
    )
    expect(r.status).toBe(200)
    expect(r.body.emails).toEqual([{ value: newEmail, type: 'work', primary: true }])
    expect(r.body.phoneNumbers).toEqual([{ value: '333', type: 'work' }, { value: '222', type: 'mobile' }])
    expect((await row(u.id)).email).toBe(newEmail.toLowerCase())
  })

  test('string booleans: "False" deactivates, "True" re-enables, the user is kept', async () => {
    const u = await create()
    expect((await patch(u.id, { op: 'Replace', path: 'active', value: 'False' })).body.active).toBe(false)
    expect((await row(u.id)).active).toBe(false)
    expect((await patch(u.id, { op: 'Replace', path: 'active', value: 'True' })).body.active).toBe(true)
  })

  test('Okta: path-less {"active": false}', async () => {
    const u = await create()
    const r = await patch(u.id, { op: 'replace', value: { active: false } })
    expect(r.body.active).toBe(false)
  })

  test('a no-op PATCH stores nothing and keeps the version', async () => {
    const u = await create({ title: 'Same' })
    const r = await patch(u.id, { op: 'replace', path: 'title', value: 'Same' }, { op: 'replace', path: 'active', value: 'true' })
    expect(r.status).toBe(200)
    expect(r.body.meta.version).toBe('W/"1"')
    expect((await row(u.id)).version).toBe(1)
  })

  test('a PATCH is atomic: one bad operation and nothing is applied', async () => {
    const u = await create({ title: 'Before' })
    expectError(await patch(u.id, { op: 'replace', path: 'title', value: 'After' }, { op: 'replace', path: 'nope', value: 1 }), 400, 'invalidPath')
    expectError(await patch(u.id, { op: 'replace', path: 'title', value: 'After' }, { op: 'replace', path: 'active', value: 'perhaps' }), 400, 'invalidValue')
    const stored = await row(u.id)
    expect(stored.title).toBe('Before')
    expect(stored.version).toBe(1)
  })

  test('renaming onto a taken userName is 409 uniqueness', async () => {
    const a = await create()
    const b = await create()
    expectError(await patch(b.id, { op: 'replace', path: 'userName', value: a.userName.toUpperCase() }), 409, 'uniqueness')
  })

  test('readOnly attributes cannot be patched by path; path-less echoes of them are ignored', async () => {
    const u = await create()
    expectError(await patch(u.id, { op: 'replace', path: 'id', value: 'x' }), 400, 'mutability')
    expectError(await patch(u.id, { op: 'add', path: 'groups', value: [{ value: 'x' }] }), 400, 'mutability')
    const r = await patch(u.id, { op: 'replace', value: { id: 'other', meta: { version: 'x' }, title: 'T' } })
    expect(r.body.id).toBe(u.id)
    expect(r.body.title).toBe('T')
  })

  test.each([
    ['no schemas', { Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, 'invalidSyntax'],
    ['no Operations', { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'] }, 'invalidSyntax'],
    ['empty Operations', patchBody(), 'invalidSyntax'],
    ['unknown op', patchBody({ op: 'move', path: 'title', value: 'x' }), 'invalidSyntax'],
    ['replace without value', patchBody({ op: 'replace', path: 'title' }), 'invalidValue'],
    ['remove without path', patchBody({ op: 'remove' }), 'noTarget'],
    ['filter matching nothing on replace', patchBody({ op: 'replace', path: 'addresses[type eq "work"]', value: { locality: 'x' } }), 'noTarget'],
    ['bad path syntax', patchBody({ op: 'replace', path: 'emails[type eq', value: 'x' }), 'invalidPath'],
  ])('%s -> 400 %s', async (_, body, scimType) => {
    const u = await create()
    expectError(await scim('PATCH', `/Users/${u.id}`, body), 400, scimType)
  })

  test('unknown id is 404', async () => {
    expectError(await patch(crypto.randomUUID(), { op: 'replace', path: 'title', value: 'x' }), 404)
    expectError(await patch('nope', { op: 'replace', path: 'title', value: 'x' }), 404)
  })
})
