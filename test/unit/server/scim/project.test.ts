import { describe, expect, test } from 'bun:test'
import { GROUP, USER } from '../../../../server/schema'
import { isAttributeWanted, project, splitAttributeList, type Projection } from '../../../../server/scim/project'

const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const GROUP_URN = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const meta = { resourceType: 'User', created: '2024-01-01T00:00:00Z', lastModified: '2024-01-02T00:00:00Z', location: 'https://x/Users/u1', version: 'W/"3"' }

const user = {
  schemas: [CORE, ENT],
  id: 'u1',
  externalId: 'e1',
  meta,
  userName: 'bjensen',
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  displayName: 'Babs',
  active: true,
  // a store bug must still not leak it
  password: 'hunter2',
  emails: [
    { value: 'b@work', type: 'work', primary: true },
    { value: 'b@home', type: 'home' },
  ],
  groups: [{ value: 'g1', display: 'Admins', type: 'direct' }],
  [ENT]: { department: 'R&D', manager: { value: 'm1', displayName: 'Boss' } },
}
const { password: _password, ...visible } = user

const group = {
  schemas: [GROUP_URN],
  id: 'g1',
  displayName: 'Admins',
  members: [{ value: 'u1', display: 'Babs', type: 'User' }],
  meta: { ...meta, resourceType: 'Group' },
}

describe('project', () => {
  test.each<[string, Projection, Record<string, unknown>]>([
    ['no parameters: default attributes, never password', {}, visible],
    ['attributes=userName keeps id and schemas (minus dropped extensions)', { attributes: 'userName' }, { schemas: [CORE], id: 'u1', userName: 'bjensen' }],
    ['names are case-insensitive', { attributes: 'USERNAME,DisplayName' }, { schemas: [CORE], id: 'u1', userName: 'bjensen', displayName: 'Babs' }],
    ['spaces and empty items are tolerated', { attributes: ' userName , ,active ' }, { schemas: [CORE], id: 'u1', userName: 'bjensen', active: true }],
    ['an array of parameters', { attributes: ['userName', 'active'] }, { schemas: [CORE], id: 'u1', userName: 'bjensen', active: true }],
    ['URN-qualified core name', { attributes: `${CORE}:userName` }, { schemas: [CORE], id: 'u1', userName: 'bjensen' }],
    ['a sub-attribute of a complex', { attributes: 'name.givenName' }, { schemas: [CORE], id: 'u1', name: { givenName: 'Barbara' } }],
    ['a sub-attribute of a multi-valued', { attributes: 'emails.value' }, { schemas: [CORE], id: 'u1', emails: [{ value: 'b@work' }, { value: 'b@home' }] }],
    ['two sub-attributes', { attributes: 'emails.value,emails.TYPE' }, { schemas: [CORE], id: 'u1', emails: [{ value: 'b@work', type: 'work' }, { value: 'b@home', type: 'home' }] }],
    ['whole and sub: whole wins', { attributes: 'name.givenName,name' }, { schemas: [CORE], id: 'u1', name: user.name }],
    ['meta sub-attribute', { attributes: 'meta.version' }, { schemas: [CORE], id: 'u1', meta: { version: 'W/"3"' } }],
    ['an extension attribute', { attributes: `${ENT}:department` }, { schemas: [CORE, ENT], id: 'u1', [ENT]: { department: 'R&D' } }],
    ['an extension attribute, unqualified', { attributes: 'department' }, { schemas: [CORE, ENT], id: 'u1', [ENT]: { department: 'R&D' } }],
    ['an extension sub-attribute', { attributes: `${ENT}:manager.value` }, { schemas: [CORE, ENT], id: 'u1', [ENT]: { manager: { value: 'm1' } } }],
    ['a whole extension by its URN', { attributes: ENT }, { schemas: [CORE, ENT], id: 'u1', [ENT]: user[ENT] }],
    ['password is never returned, even when asked', { attributes: 'password,userName' }, { schemas: [CORE], id: 'u1', userName: 'bjensen' }],
    ['unknown names are ignored', { attributes: 'nope,userName,emails.nope,urn:x:y' }, { schemas: [CORE], id: 'u1', userName: 'bjensen' }],
    ['only unknown names: just id and schemas', { attributes: 'nope' }, { schemas: [CORE], id: 'u1' }],
    ['an attribute the resource lacks', { attributes: 'title' }, { schemas: [CORE], id: 'u1' }],
    ['excludedAttributes drops', { excludedAttributes: 'emails,groups,meta' }, (({ emails: _e, groups: _g, meta: _m, ...r }) => r)(visible)],
    ['excludedAttributes is case-insensitive', { excludedAttributes: 'EMAILS' }, (({ emails: _e, ...r }) => r)(visible)],
    ['excluding a sub-attribute', { excludedAttributes: 'emails.type,name.familyName' }, { ...visible, name: { givenName: 'Barbara' }, emails: [{ value: 'b@work', primary: true }, { value: 'b@home' }] }],
    ['excluding the only sub-attribute left drops empty elements', { excludedAttributes: 'groups.value,groups.display,groups.type' }, (({ groups: _g, ...r }) => r)(visible)],
    ['id cannot be excluded (returned always)', { excludedAttributes: 'id' }, visible],
    ['excluding an extension attribute', { excludedAttributes: `${ENT}:manager` }, { ...visible, [ENT]: { department: 'R&D' } }],
    ['excluding the whole extension', { excludedAttributes: ENT }, { ...(({ [ENT]: _x, ...r }) => r)(visible), schemas: [CORE] }],
    ['both parameters', { attributes: 'name,emails', excludedAttributes: 'name.familyName,emails' }, { schemas: [CORE], id: 'u1', name: { givenName: 'Barbara' } }],
    // Value filters, as Microsoft's validator sends them.
    ['a value filter keeps the matching values only', { attributes: 'emails[type eq "work"]' }, { schemas: [CORE], id: 'u1', emails: [{ value: 'b@work', type: 'work', primary: true }] }],
    ['a value filter and a sub-attribute', { attributes: 'emails[type eq "work"].value' }, { schemas: [CORE], id: 'u1', emails: [{ value: 'b@work' }] }],
    ['a value filter is case-insensitive in its names', { attributes: 'EMAILS[TYPE eq "work"]' }, { schemas: [CORE], id: 'u1', emails: [{ value: 'b@work', type: 'work', primary: true }] }],
    ['two value filters: either', { attributes: 'emails[type eq "work"],emails[type eq "home"].value' }, { schemas: [CORE], id: 'u1', emails: [{ value: 'b@work', type: 'work', primary: true }, { value: 'b@home', type: 'home' }] }],
    ['a value filter with a comma in its value', { attributes: 'emails[value eq "x,y" or type eq "home"],userName' }, { schemas: [CORE], id: 'u1', userName: 'bjensen', emails: [{ value: 'b@home', type: 'home' }] }],
    ['the attribute named without a filter too: every value', { attributes: 'emails[type eq "work"],emails' }, { schemas: [CORE], id: 'u1', emails: user.emails }],
    ['a value filter no value matches: the attribute is absent', { attributes: 'emails[type eq "other"],userName' }, { schemas: [CORE], id: 'u1', userName: 'bjensen' }],
    ['excludedAttributes with a value filter drops those values', { excludedAttributes: 'emails[type eq "home"]' }, { ...visible, emails: [{ value: 'b@work', type: 'work', primary: true }] }],
    ['a malformed or unknown value filter names nothing', { attributes: 'emails[type eq],emails[nope eq "x"],name[givenName eq "B"],userName' }, { schemas: [CORE], id: 'u1', userName: 'bjensen' }],
  ])('%s', (_, p, expected) => {
    expect(project(USER, user, p)).toEqual(expected)
  })

  test('Groups: excludedAttributes=members (Entra)', () => {
    const { members: _m, ...rest } = group
    expect(project(GROUP, group, { excludedAttributes: 'members' })).toEqual(rest)
    expect(project(GROUP, group, { attributes: 'displayName' })).toEqual({ schemas: [GROUP_URN], id: 'g1', displayName: 'Admins' })
    expect(project(GROUP, group, { attributes: 'members.value' })).toEqual({ schemas: [GROUP_URN], id: 'g1', members: [{ value: 'u1' }] })
  })

  test('keys outside the schema are kept only without attributes=', () => {
    expect(project(USER, { ...user, extra: 1 }, {})).toHaveProperty('extra', 1)
    expect(project(USER, { ...user, extra: 1 }, { attributes: 'userName' })).not.toHaveProperty('extra')
  })
})

describe('isAttributeWanted lets the store skip loading', () => {
  test.each([
    [GROUP, {}, 'members', true],
    [GROUP, { excludedAttributes: 'members' }, 'members', false],
    [GROUP, { excludedAttributes: 'MEMBERS' }, 'members', false],
    [GROUP, { attributes: 'displayName' }, 'members', false],
    [GROUP, { attributes: 'members.value' }, 'members', true],
    [GROUP, { excludedAttributes: 'members.display' }, 'members', true],
    [USER, {}, 'groups', true],
    [USER, { attributes: 'userName' }, 'groups', false],
    [USER, { excludedAttributes: 'groups' }, 'groups', false],
    [USER, {}, 'password', false],
    [USER, { excludedAttributes: 'id' }, 'id', true],
    [USER, {}, 'nope', false],
  ] as const)('%#', (rt, p, path, wanted) => {
    expect(isAttributeWanted(rt, p, path)).toBe(wanted)
  })
})

test('splitAttributeList', () => {
  expect(splitAttributeList(undefined)).toEqual([])
  expect(splitAttributeList('')).toEqual([])
  expect(splitAttributeList('a, b ,,c')).toEqual(['a', 'b', 'c'])
  expect(splitAttributeList(['a,b', 'c'])).toEqual(['a', 'b', 'c'])
  expect(splitAttributeList('emails[type eq "a,b" or value eq "\\",x"],userName')).toEqual(['emails[type eq "a,b" or value eq "\\",x"]', 'userName'])
})
