import { describe, expect, test } from 'bun:test'
import type { ScimType } from '../../../../server/scim/errors'
import { scimErrorOf } from './helpers'
import { GROUP, USER } from '../../../../server/schema'
import type { ResourceType } from '../../../../server/schema/types'
import { validateResource, type ValidateContext } from '../../../../server/scim/validate'

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const u = (extra: Record<string, unknown>) => ({ schemas: [CORE], userName: 'bjensen', ...extra })
const out = (extra: Record<string, unknown>, schemas = [CORE]) => ({ schemas, userName: 'bjensen', ...extra })

const failure = (rt: ResourceType, body: unknown, context: ValidateContext = 'create') => scimErrorOf(() => validateResource(rt, body, context))

describe('accepted and canonicalised', () => {
  test.each([
    ['minimal', u({}), out({})],
    ['schemas are recomputed', { schemas: ['whatever'], userName: 'bjensen' }, out({})],
    ['no schemas at all', { userName: 'bjensen' }, out({})],
    ['any-case keys', { USERNAME: 'bjensen', DisplayName: 'Babs', ACTIVE: true }, out({ displayName: 'Babs', active: true })],
    ['sub-attribute keys in any case', u({ NAME: { GIVENNAME: 'B', familyname: 'J' } }), out({ name: { familyName: 'J', givenName: 'B' } })],
    ['dotted keys merge into the complex', u({ name: { givenName: 'B' }, 'name.familyName': 'J' }), out({ name: { familyName: 'J', givenName: 'B' } })],
    ['URN-prefixed core key', { [`${CORE}:userName`]: 'bjensen' }, out({})],
    ['core URN object', { [CORE]: { userName: 'bjensen', title: 'Boss' } }, out({ title: 'Boss' })],
    ['string booleans True', u({ active: 'True' }), out({ active: true })],
    ['string booleans false', u({ active: 'false' }), out({ active: false })],
    ['string booleans TRUE', u({ active: 'TRUE' }), out({ active: true })],
    ['string boolean in a sub-attribute', u({ emails: [{ value: 'a@x', primary: 'True' }] }), out({ emails: [{ value: 'a@x', primary: true }] })],
    ['a number for a string attribute is its text', u({ [ENT]: { employeeNumber: 701984 } }), out({ [ENT]: { employeeNumber: '701984' } }, [CORE, ENT])],
    ['null is unassigned', u({ title: null, name: null, emails: null }), out({})],
    ['null elements are dropped', u({ emails: [null, { value: 'a@x' }] }), out({ emails: [{ value: 'a@x' }] })],
    ['empty array is kept (clears)', u({ emails: [] }), out({ emails: [] })],
    ['a single object for a multi-valued attribute is wrapped', u({ emails: { value: 'a@x', type: 'work' } }), out({ emails: [{ value: 'a@x', type: 'work' }] })],
    ['a bare value becomes {value}', u({ emails: ['a@x', 'b@x'] }), out({ emails: [{ value: 'a@x' }, { value: 'b@x' }] })],
    ['one primary is fine', u({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: false }] }), out({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: false }] })],
    ['unknown attributes are ignored', u({ foo: 1, 'urn:x:y:bar': { a: 1 }, name: { nope: 1, givenName: 'B' } }), out({ name: { givenName: 'B' } })],
    ['empty complex is dropped', u({ name: { nope: 'x' } }), out({})],
    ['readOnly attributes are dropped', u({ id: 'x', meta: { created: 'nonsense' }, groups: [{ value: 'g' }] }), out({})],
    ['readOnly with a wrong type is still just dropped', u({ id: 42, groups: 'x' }), out({})],
    ['password is accepted but removed', u({ password: 'hunter2' }), out({})],
    ['enterprise under its URN', u({ [ENT]: { department: 'R&D', Manager: { value: 'm1', displayName: 'Boss' } } }), out({ [ENT]: { department: 'R&D', manager: { value: 'm1' } } }, [CORE, ENT])],
    ['enterprise URN key in any case', u({ [ENT.toLowerCase()]: { department: 'R&D' } }), out({ [ENT]: { department: 'R&D' } }, [CORE, ENT])],
    ['enterprise URN-prefixed flat keys (Entra)', u({ [`${ENT}:department`]: 'R&D', [`${ENT}:manager.value`]: 'm1' }), out({ [ENT]: { department: 'R&D', manager: { value: 'm1' } } }, [CORE, ENT])],
    ['enterprise manager as a string', u({ [ENT]: { manager: 'm1' } }), out({ [ENT]: { manager: { value: 'm1' } } }, [CORE, ENT])],
    ['an empty enterprise object adds no schema', u({ [ENT]: {} }), out({})],
    ['full user in schema order', {
      emails: [{ value: 'b@x', type: 'work', primary: true }], name: { formatted: 'Ms. B J' }, userName: 'bjensen', externalId: 'e1',
      addresses: [{ streetAddress: '1 Main', locality: 'Town', postalCode: '1', country: 'US', type: 'work', primary: true }],
      x509Certificates: [{ value: 'TUlJRERD' }], phoneNumbers: [{ value: '+1 555', type: 'mobile' }], locale: 'en-US', timezone: 'Europe/Paris',
    }, {
      schemas: [CORE], externalId: 'e1', userName: 'bjensen', name: { formatted: 'Ms. B J' }, locale: 'en-US', timezone: 'Europe/Paris',
      emails: [{ value: 'b@x', type: 'work', primary: true }], phoneNumbers: [{ value: '+1 555', type: 'mobile' }],
      addresses: [{ streetAddress: '1 Main', locality: 'Town', postalCode: '1', country: 'US', type: 'work', primary: true }],
      x509Certificates: [{ value: 'TUlJRERD' }],
    }],
    ['numbers for strings become their text', u({ name: { givenName: 7 }, [ENT]: { manager: 42 } }), out({ name: { givenName: '7' }, [ENT]: { manager: { value: '42' } } }, [CORE, ENT])],
    ['unicode is kept', u({ displayName: 'Zoë 日本 😀' }), out({ displayName: 'Zoë 日本 😀' })],
    ['2048 characters are allowed', u({ title: 'x'.repeat(2048) }), out({ title: 'x'.repeat(2048) })],
    ['100 emails are allowed', u({ emails: Array.from({ length: 100 }, (_, i) => ({ value: `${i}@x` })) }), out({ emails: Array.from({ length: 100 }, (_, i) => ({ value: `${i}@x` })) })],
  ] as const)('%s', (_, body, expected) => {
    expect(validateResource(USER, body, 'create')).toEqual(expected)
  })

  test('Groups: members are unbounded, readOnly display dropped, value wrapped', () => {
    const members = Array.from({ length: 5000 }, (_, i) => ({ value: `u${i}`, display: 'x', type: 'User' }))
    expect(validateResource(GROUP, { displayName: 'G', members: [...members, 'plain'] }, 'replace')).toEqual({
      schemas: [GROUP_URN],
      displayName: 'G',
      members: [...members.map(({ value }) => ({ value, type: 'User' })), { value: 'plain' }],
    })
  })

  test('Groups: Okta rename with id in the body', () => {
    expect(validateResource(GROUP, { id: 'g1', displayName: 'New', schemas: [GROUP_URN] }, 'patchResult')).toEqual({
      schemas: [GROUP_URN],
      displayName: 'New',
    })
  })

  test('Groups ignore the enterprise extension', () => {
    expect(validateResource(GROUP, { displayName: 'G', [ENT]: { department: 'x' } }, 'create')).toEqual({ schemas: [GROUP_URN], displayName: 'G' })
  })
})

describe('rejected with 400', () => {
  const rejected: [ResourceType, unknown, ScimType, string][] = [
    [USER, null, 'invalidSyntax', 'the request body must be a JSON object representing a User'],
    [USER, [], 'invalidSyntax', 'the request body must be a JSON object representing a User'],
    [USER, 'x', 'invalidSyntax', 'the request body must be a JSON object representing a User'],
    [USER, {}, 'invalidValue', '"userName" is required to create a User'],
    [USER, { userName: '' }, 'invalidValue', '"userName" is required to create a User'],
    [USER, { userName: '   ' }, 'invalidValue', '"userName" is required to create a User'],
    [USER, { userName: null }, 'invalidValue', '"userName" is required to create a User'],
    [GROUP, { members: [] }, 'invalidValue', '"displayName" is required to create a Group'],
    [USER, { userName: true }, 'invalidValue', '"userName" must be a string, got true'],
    [USER, { userName: { value: 'x' } }, 'invalidValue', '"userName" must be a string, got an object'],
    [USER, u({ active: 'yes' }), 'invalidValue', '"active" must be a boolean, got "yes"'],
    [USER, u({ active: 1 }), 'invalidValue', '"active" must be a boolean, got 1'],
    [USER, u({ active: [true] }), 'invalidValue', '"active" must be a boolean, got an array'],
    [USER, u({ name: 'Barbara' }), 'invalidValue', '"name" must be a complex (an object), got "Barbara"'],
    [USER, u({ name: { givenName: false } }), 'invalidValue', '"name.givenName" must be a string, got false'],
    [USER, u({ emails: [{ value: 'a', primary: 'maybe' }] }), 'invalidValue', '"emails[0].primary" must be a boolean, got "maybe"'],
    [USER, u({ emails: [{ value: ['a'] }] }), 'invalidValue', '"emails[0].value" must be a string, got an array'],
    [USER, u({ emails: [[{ value: 'a' }]] }), 'invalidValue', '"emails[0]" must be a complex (an object), got an array'],
    [USER, u({ emails: [{ value: 'a', primary: true }, { value: 'b', primary: 'True' }] }), 'invalidValue', '"emails" has 2 values marked primary; at most one may be (RFC 7643 §2.4)'],
    [USER, u({ addresses: [{ primary: true }, { primary: true }, { primary: true }] }), 'invalidValue', '"addresses" has 3 values marked primary; at most one may be (RFC 7643 §2.4)'],
    [USER, u({ emails: Array.from({ length: 101 }, () => ({ value: 'a' })) }), 'invalidValue', '"emails" has 101 values; at most 100 are allowed'],
    [USER, u({ title: 'x'.repeat(2049) }), 'invalidValue', '"title" is 2049 characters long; at most 2048 are allowed'],
    [USER, { userName: 'x'.repeat(5000) }, 'invalidValue', '"userName" is 5000 characters long; at most 2048 are allowed'],
    [USER, u({ displayName: 'a\u0000b' }), 'invalidValue', '"displayName" contains a NUL character'],
    [USER, u({ emails: [{ value: 'a\u0000@x' }] }), 'invalidValue', '"emails[0].value" contains a NUL character'],
    [USER, u({ [ENT]: 'R&D' }), 'invalidValue', `"${ENT}" must be an object of EnterpriseUser attributes`],
    [USER, u({ [ENT]: { department: ['R&D'] } }), 'invalidValue', '"department" must be a string, got an array'],
    [USER, u({ [ENT]: { manager: true } }), 'invalidValue', '"manager.value" must be a string, got true'],
    [USER, u({ [ENT]: { manager: [{ value: 'm' }] } }), 'invalidValue', '"manager" must be a complex (an object), got an array'],
    [USER, u({ 'emails.value': 'a@x' }), 'invalidValue', '"emails.value" sets a sub-attribute of the multi-valued "emails"; send "emails" as an array'],
    [USER, u({ x509Certificates: [{ value: 'not base64!' }] }), 'invalidValue', '"x509Certificates[0].value" must be a binary (base64), got "not base64!"'],
    [GROUP, { displayName: false }, 'invalidValue', '"displayName" must be a string, got false'],
    [GROUP, { displayName: 'G', members: [{ value: {} }] }, 'invalidValue', '"members[0].value" must be a string, got an object'],
  ]
  test.each(rejected.map(([rt, body, scimType, detail]) => [`${rt.id} ${JSON.stringify(body)?.slice(0, 90)}`, rt, body, scimType, detail] as const))(
    '%s',
    (_, rt, body, scimType, detail) => {
      const e = failure(rt, body)
      expect(e.status).toBe(400)
      expect(e.scimType).toBe(scimType)
      expect(e.detail).toBe(detail)
    },
  )

  test.each([
    ['create', '"userName" is required to create a User'],
    ['replace', '"userName" is required to replace a User'],
    ['patchResult', 'the PATCH would leave the User without "userName", which is required'],
  ] as const)('a missing required attribute in %s', (context, detail) => {
    expect(failure(USER, { displayName: 'x' }, context).detail).toBe(detail)
  })

  test('limits are configurable', () => {
    expect(() => validateResource(USER, u({ title: 'abcdefgh' }), 'create', { maxStringLength: 7 })).toThrow('"title" is 8 characters long; at most 7 are allowed')
    expect(() => validateResource(USER, u({ roles: ['a', 'b'] }), 'create', { maxItems: 1 })).toThrow('"roles" has 2 values; at most 1 are allowed')
  })
})
