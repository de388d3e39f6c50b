import { describe, expect, test } from 'bun:test'
import { GROUP, USER, resolveAttribute } from '../../../../server/schema'

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

describe('resolveAttribute', () => {
  test.each([
    ['userName', CORE, 'userName', undefined, 'userName'],
    ['USERNAME', CORE, 'userName', undefined, 'userName'],
    [' userName ', CORE, 'userName', undefined, 'userName'],
    ['name.givenName', CORE, 'name', 'givenName', 'name.givenName'],
    ['NAME.GIVENNAME', CORE, 'name', 'givenName', 'name.givenName'],
    ['emails.value', CORE, 'emails', 'value', 'emails.value'],
    ['emails.Value', CORE, 'emails', 'value', 'emails.value'],
    ['emails', CORE, 'emails', undefined, 'emails'],
    ['groups.$ref', CORE, 'groups', '$ref', 'groups.$ref'],
    ['meta.lastModified', CORE, 'meta', 'lastModified', 'meta.lastModified'],
    [`${CORE}:userName`, CORE, 'userName', undefined, 'userName'],
    [`${CORE.toLowerCase()}:username`, CORE, 'userName', undefined, 'userName'],
    [`${ENT}:department`, ENT, 'department', undefined, `${ENT}:department`],
    [`${ENT}:manager.value`, ENT, 'manager', 'value', `${ENT}:manager.value`],
    [`${ENT.toUpperCase()}:MANAGER.VALUE`, ENT, 'manager', 'value', `${ENT}:manager.value`],
    // unqualified extension names fall back to the extension after the core schema
    ['department', ENT, 'department', undefined, `${ENT}:department`],
    ['manager.displayName', ENT, 'manager', 'displayName', `${ENT}:manager.displayName`],
  ] as const)('%s', (input, schema, attribute, sub, path) => {
    const r = resolveAttribute(USER, input)!
    expect(r.schema.id).toBe(schema)
    expect(r.attribute.name).toBe(attribute)
    expect(r.subAttribute?.name).toBe(sub)
    expect(r.path).toBe(path)
  })

  test('parsed paths work as well as strings', () => {
    expect(resolveAttribute(USER, { uri: ENT, attr: 'Manager', sub: 'value' })?.path).toBe(`${ENT}:manager.value`)
    expect(resolveAttribute(GROUP, { attr: 'MEMBERS', sub: 'VALUE' })?.path).toBe('members.value')
  })

  test.each([
    [USER, 'nope'],
    [USER, 'name.nope'],
    [USER, 'userName.value'],
    [USER, `${ENT}:userName`],
    [USER, 'urn:x:userName'],
    [USER, 'a b'],
    [USER, ''],
    [USER, 'emails[type eq "work"]'],
    [GROUP, 'userName'],
    [GROUP, `${ENT}:department`],
    [GROUP, 'department'],
  ] as const)('%s %j is undefined', (rt, input) => {
    expect(resolveAttribute(rt, input)).toBeUndefined()
  })
})
