import { describe, expect, test } from 'bun:test'
import { applyPatch } from '../../../../../server/scim/patch'
import { USER } from '../../../../../server/schema'
import { CORE_USER, ENTERPRISE, patch } from './helpers'

type Json = Record<string, unknown>

const base: Json = {
  schemas: [CORE_USER],
  id: '2819c223',
  userName: 'bjensen',
  displayName: 'Babs',
  title: 'Tour Guide',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
  meta: { resourceType: 'User', version: 'W/"3"' },
}
const withEnterprise: Json = {
  ...base,
  schemas: [CORE_USER, ENTERPRISE],
  [ENTERPRISE]: { department: 'Tours', manager: { value: 'm1', displayName: 'Boss' } },
}

/** `base` with some top-level attributes replaced (undefined deletes). */
const user = (changes: Json, from: Json = base): Json => {
  const out: Json = { ...structuredClone(from), ...structuredClone(changes) }
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k]
  return out
}

function run(resource: Json, operations: unknown[]) {
  const snapshot = structuredClone(resource)
  const body = patch(...operations)
  const bodySnapshot = structuredClone(body)
  const result = applyPatch(USER, resource, body)
  // Pure: neither input is touched.
  expect(resource).toEqual(snapshot)
  expect(body).toEqual(bodySnapshot)
  return result
}

describe('simple attributes', () => {
  test.each([
    ['add sets', [{ op: 'add', path: 'nickName', value: 'Babs' }], user({ nickName: 'Babs' })],
    ['add replaces a singular value', [{ op: 'add', path: 'title', value: 'Boss' }], user({ title: 'Boss' })],
    ['replace sets', [{ op: 'replace', path: 'title', value: 'Boss' }], user({ title: 'Boss' })],
    ['remove clears', [{ op: 'remove', path: 'title' }], user({ title: undefined })],
    ['replace with null clears', [{ op: 'replace', path: 'title', value: null }], user({ title: undefined })],
    ['capitalised ops (Entra)', [{ op: 'Replace', path: 'title', value: 'Boss' }, { op: 'Remove', path: 'displayName' }], user({ title: 'Boss', displayName: undefined })],
    ['names in any case', [{ op: 'replace', path: 'DisplayName', value: 'B' }, { op: 'add', path: 'NAME.GIVENNAME', value: 'Barb' }], user({ displayName: 'B', name: { givenName: 'Barb', familyName: 'Jensen' } })],
    ['externalId', [{ op: 'add', path: 'externalId', value: 'ext-1' }], user({ externalId: 'ext-1' })],
    // Coercion and type checks are the validator's job; the engine passes values through.
    ['a string boolean is kept for the validator', [{ op: 'Replace', path: 'active', value: 'False' }], user({ active: 'False' })],
    ['a number for a string is kept for the validator', [{ op: 'replace', path: 'title', value: 42 }], user({ title: 42 })],
    ['writeOnly password can be set', [{ op: 'replace', path: 'password', value: 's3cret' }], user({ password: 's3cret' })],
  ] as const)('%s', (_, ops, expected) => {
    expect(run(base, [...ops]).resource).toEqual(expected)
  })
})

describe('path-less add and replace', () => {
  test.each([
    ['Okta deactivate', { op: 'replace', value: { active: false } }, user({ active: false })],
    ['OneLogin string boolean', { op: 'replace', value: { active: 'true', title: 'Boss' } }, user({ active: 'true', title: 'Boss' })],
    ['nested object merges sub-attributes', { op: 'replace', value: { name: { givenName: 'Barb' } } }, user({ name: { givenName: 'Barb', familyName: 'Jensen' } })],
    ['dotted key', { op: 'replace', value: { 'name.familyName': 'Jensen-Smith' } }, user({ name: { givenName: 'Barbara', familyName: 'Jensen-Smith' } })],
    ['case-insensitive keys, nested too', { op: 'Replace', value: { DisplayName: 'B', Name: { GivenName: 'Barb' } } }, user({ displayName: 'B', name: { givenName: 'Barb', familyName: 'Jensen' } })],
    ['URN-qualified key', { op: 'replace', value: { [`${ENTERPRISE}:department`]: 'Sales' } }, user({ schemas: [CORE_USER, ENTERPRISE], [ENTERPRISE]: { department: 'Sales' } })],
    ['URN-qualified core key', { op: 'replace', value: { [`${CORE_USER}:userName`]: 'babs' } }, user({ userName: 'babs' })],
    ['URN key with an object value', { op: 'add', value: { [ENTERPRISE]: { department: 'Sales', costCenter: '42' } } }, user({ schemas: [CORE_USER, ENTERPRISE], [ENTERPRISE]: { department: 'Sales', costCenter: '42' } })],
    ['id, meta, groups and schemas are ignored', { op: 'replace', value: { id: 'other', meta: { version: 'x' }, groups: [{ value: 'g' }], schemas: [CORE_USER], title: 'Boss' } }, user({ title: 'Boss' })],
    ['null clears', { op: 'replace', value: { title: null, 'name.givenName': null } }, user({ title: undefined, name: { familyName: 'Jensen' } })],
    ['add appends to multi-valued', { op: 'add', value: { emails: [{ value: 'b@home.org', type: 'home' }] } }, user({ emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }, { value: 'b@home.org', type: 'home' }] })],
    ['replace replaces multi-valued', { op: 'replace', value: { emails: [{ value: 'b@home.org', type: 'home' }] } }, user({ emails: [{ value: 'b@home.org', type: 'home' }] })],
    ['an empty object changes nothing', { op: 'add', value: {} }, base],
    // As in POST/PUT bodies, extras are ignored; an explicit path naming them is invalidPath.
    ['unknown keys are ignored', { op: 'replace', value: { favouriteColour: 'x', 'name.nickname': 'y', 'urn:okta:custom:1.0:User': { a: 1 }, title: 'Boss' } }, user({ title: 'Boss' })],
    ['unknown keys under the URN key are ignored', { op: 'replace', value: { [ENTERPRISE]: { nickName: 'x', division: 'D' } } }, user({ schemas: [CORE_USER, ENTERPRISE], [ENTERPRISE]: { division: 'D' } })],
  ] as const)('%s', (_, op, expected) => {
    expect(run(base, [op]).resource).toEqual(expected)
  })

  test('enterprise extension merges into an existing one', () => {
    const op = { op: 'replace', value: { [ENTERPRISE]: { department: 'Sales' }, [`${ENTERPRISE}:costCenter`]: 'CC1' } }
    expect(run(withEnterprise, [op]).resource[ENTERPRISE]).toEqual({ department: 'Sales', costCenter: 'CC1', manager: { value: 'm1', displayName: 'Boss' } })
  })
})

describe('Entra one-op-per-path request', () => {
  test('givenName, familyName, work email, department and active "False" in one request', () => {
    const bare = user({ name: undefined, emails: undefined })
    const result = run(bare, [
      { op: 'Add', path: 'name.givenName', value: 'Barbara' },
      { op: 'Add', path: 'name.familyName', value: 'Jensen' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'barbara@example.com' },
      { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Engineering' },
      { op: 'Replace', path: 'active', value: 'False' },
    ])
    expect(result).toEqual({
      changed: true,
      resource: user(
        {
          schemas: [CORE_USER, ENTERPRISE],
          active: 'False',
          name: { givenName: 'Barbara', familyName: 'Jensen' },
          emails: [{ type: 'work', value: 'barbara@example.com' }],
          [ENTERPRISE]: { department: 'Engineering' },
        },
        bare,
      ),
    })
  })

  test('the same request again changes nothing, "False" being false', () => {
    const current = user({ active: false, [ENTERPRISE]: { department: 'Engineering' }, schemas: [CORE_USER, ENTERPRISE] })
    const result = run(current, [
      { op: 'Add', path: 'name.givenName', value: 'Barbara' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'bjensen@example.com' },
      { op: 'Add', path: `${ENTERPRISE}:department`, value: 'Engineering' },
      { op: 'Replace', path: 'active', value: 'False' },
    ])
    expect(result.changed).toBe(false)
  })
})

const work = { value: 'bjensen@example.com', type: 'work', primary: true }

describe('multi-valued attributes and value paths', () => {
  test.each([
    ['add appends', { op: 'add', path: 'emails', value: [{ value: 'b@home.org', type: 'home' }] }, [work, { value: 'b@home.org', type: 'home' }]],
    ['add a bare element', { op: 'add', path: 'emails', value: { value: 'b@home.org' } }, [work, { value: 'b@home.org' }]],
    ['add dedupes identical values', { op: 'add', path: 'emails', value: [{ ...work }, { value: 'x@y.z' }, { value: 'x@y.z' }] }, [work, { value: 'x@y.z' }]],
    ['add canonicalises sub-attribute names', { op: 'add', path: 'emails', value: [{ Value: 'x@y.z', TYPE: 'home' }] }, [work, { value: 'x@y.z', type: 'home' }]],
    ['replace replaces the array', { op: 'replace', path: 'emails', value: [{ value: 'x@y.z', type: 'home' }] }, [{ value: 'x@y.z', type: 'home' }]],
    ['replace with [] clears', { op: 'replace', path: 'emails', value: [] }, undefined],
    ['remove clears', { op: 'remove', path: 'emails' }, undefined],
    ['remove listed values', { op: 'remove', path: 'emails', value: [{ value: 'BJENSEN@example.com' }] }, undefined],
    ['remove listed values that match nothing', { op: 'remove', path: 'emails', value: [{ value: 'nobody@x.com' }] }, [work]],
    ['sub-attribute of matching elements', { op: 'replace', path: 'emails[type eq "work"].value', value: 'new@example.com' }, [{ ...work, value: 'new@example.com' }]],
    ['add to a sub-attribute of matching elements', { op: 'add', path: 'emails[type eq "work"].display', value: 'Work' }, [{ ...work, display: 'Work' }]],
    ['value path and names in any case', { op: 'Replace', path: 'Emails[Type EQ "WORK"].Value', value: 'new@example.com' }, [{ ...work, value: 'new@example.com' }]],
    ['no match: Entra shape creates the element', { op: 'Replace', path: 'emails[type eq "home"].value', value: 'b@home.org' }, [work, { type: 'home', value: 'b@home.org' }]],
    ['no match: add creates from all eq clauses', { op: 'add', path: 'emails[type eq "home" and primary eq false].value', value: 'b@home.org' }, [work, { type: 'home', primary: false, value: 'b@home.org' }]],
    ['no match: add with filter and object creates', { op: 'add', path: 'emails[type eq "home"]', value: { value: 'b@home.org' } }, [work, { type: 'home', value: 'b@home.org' }]],
    ['add with filter merges into matches', { op: 'add', path: 'emails[type eq "work"]', value: { display: 'W' } }, [{ ...work, display: 'W' }]],
    ['replace with filter replaces the whole element (RFC 7644 §3.5.2.3)', { op: 'replace', path: 'emails[type eq "work"]', value: { value: 'w@x.com', type: 'work' } }, [{ value: 'w@x.com', type: 'work' }]],
    ['remove matching elements', { op: 'remove', path: 'emails[type eq "work"]' }, undefined],
    ['remove a sub-attribute of matching elements', { op: 'remove', path: 'emails[type eq "work"].primary' }, [{ value: 'bjensen@example.com', type: 'work' }]],
    ['remove with a filter matching nothing is a no-op', { op: 'remove', path: 'emails[type eq "home"]' }, [work]],
    ['sub-attribute without filter addresses every element', { op: 'replace', path: 'emails.type', value: 'other' }, [{ ...work, type: 'other' }]],
    ['a new primary unsets the old one (RFC 7644 §3.5.2)', { op: 'add', path: 'emails', value: [{ value: 'b@home.org', type: 'home', primary: true }] }, [{ ...work, primary: false }, { value: 'b@home.org', type: 'home', primary: true }]],
    ['a primary set through a value path, as a string', { op: 'add', path: 'emails[type eq "home"].primary', value: 'True' }, [{ ...work, primary: false }, { type: 'home', primary: 'True' }]],
  ] as const)('%s', (_, op, emails) => {
    expect(run(base, [op]).resource.emails).toEqual(emails)
  })

  test('a value path creating in an empty attribute', () => {
    const result = run(user({ phoneNumbers: undefined }), [{ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' }])
    expect(result.resource.phoneNumbers).toEqual([{ type: 'mobile', value: '+1 555' }])
  })

  test('a filter over several elements touches all matches and only them', () => {
    const emails = [
      { value: 'a@x.com', type: 'work' },
      { value: 'b@x.com', type: 'home' },
      { value: 'c@y.com', type: 'work' },
    ]
    const result = run(user({ emails }), [{ op: 'replace', path: 'emails[type eq "work" and value ew "@x.com"].display', value: 'X' }])
    expect(result.resource.emails).toEqual([{ value: 'a@x.com', type: 'work', display: 'X' }, emails[1], emails[2]])
    const removed = run(user({ emails }), [{ op: 'remove', path: 'emails[type eq "work"]' }])
    expect(removed.resource.emails).toEqual([emails[1]])
  })
})

describe('complex attributes and the enterprise manager', () => {
  test.each([
    ['replace name merges (RFC 7644 §3.5.2.3)', base, { op: 'replace', path: 'name', value: { givenName: 'Barb' } }, { name: { givenName: 'Barb', familyName: 'Jensen' } }],
    ['remove name.givenName', base, { op: 'remove', path: 'name.givenName' }, { name: { familyName: 'Jensen' } }],
    ['removing the last sub-attribute removes the attribute', user({ name: { givenName: 'B' } }), { op: 'remove', path: 'name.givenName' }, { name: undefined }],
    ['remove name', base, { op: 'remove', path: 'name' }, { name: undefined }],
  ] as const)('%s', (_, from, op, expected) => {
    const { resource } = run(from, [op])
    for (const [k, v] of Object.entries(expected)) expect(resource[k]).toEqual(v)
  })

  test.each([
    ['as an object', { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'm2' } }, { value: 'm2', displayName: 'Boss' }],
    ['as a plain string (Probo, Entra)', { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm2' }, { value: 'm2', displayName: 'Boss' }],
    ['path-less, as a string', { op: 'replace', value: { [`${ENTERPRISE}:manager`]: 'm2' } }, { value: 'm2', displayName: 'Boss' }],
    ['inside the URN object', { op: 'replace', value: { [ENTERPRISE]: { manager: { value: 'm2' } } } }, { value: 'm2', displayName: 'Boss' }],
    ['by manager.value', { op: 'replace', path: `${ENTERPRISE}:manager.value`, value: 'm2' }, { value: 'm2', displayName: 'Boss' }],
    ['unqualified manager.value', { op: 'replace', path: 'manager.value', value: 'm2' }, { value: 'm2', displayName: 'Boss' }],
    ['a readOnly displayName in the value is dropped', { op: 'replace', path: `${ENTERPRISE}:manager`, value: { value: 'm2', displayName: 'Someone' } }, { value: 'm2', displayName: 'Boss' }],
    ['remove', { op: 'remove', path: `${ENTERPRISE}:manager` }, undefined],
  ] as const)('manager %s', (_, op, manager) => {
    const { resource } = run(withEnterprise, [op])
    expect((resource[ENTERPRISE] as Json).manager).toEqual(manager)
  })

  test('manager on a user without the extension adds it to schemas', () => {
    const { resource } = run(base, [{ op: 'add', path: `${ENTERPRISE}:manager`, value: 'm2' }])
    expect(resource).toEqual(user({ schemas: [CORE_USER, ENTERPRISE], [ENTERPRISE]: { manager: { value: 'm2' } } }))
  })

  test('emptying the extension drops it and its schema', () => {
    const { resource } = run(withEnterprise, [
      { op: 'remove', path: `${ENTERPRISE}:department` },
      { op: 'remove', path: `${ENTERPRISE}:manager` },
    ])
    expect(resource).toEqual(base)
  })

  test.each([
    ['add with the extension URN as path', { op: 'add', path: ENTERPRISE, value: { division: 'D' } }, { department: 'Tours', division: 'D', manager: { value: 'm1', displayName: 'Boss' } }],
    ['remove with the extension URN as path', { op: 'remove', path: ENTERPRISE }, undefined],
    ['replace with null under the URN key', { op: 'replace', value: { [ENTERPRISE]: null } }, undefined],
  ] as const)('%s', (_, op, extension) => {
    const { resource } = run(withEnterprise, [op])
    expect(resource[ENTERPRISE]).toEqual(extension)
    expect(resource.schemas).toEqual(extension ? [CORE_USER, ENTERPRISE] : [CORE_USER])
  })
})

describe('changed', () => {
  test.each([
    ['same value again', [{ op: 'replace', path: 'title', value: 'Tour Guide' }], false],
    ['a string boolean equal to the current one', [{ op: 'replace', value: { active: 'TRUE' } }], false],
    ['an existing email again', [{ op: 'add', path: 'emails', value: [{ ...work }] }], false],
    ['removing something absent', [{ op: 'remove', path: 'nickName' }], false],
    ['add null', [{ op: 'add', path: 'nickName', value: null }], false],
    ['ignored readOnly keys only (Okta sends id)', [{ op: 'replace', value: { id: '2819c223' } }], false],
    ['a change undone in the same request', [{ op: 'replace', path: 'title', value: 'X' }, { op: 'replace', path: 'title', value: 'Tour Guide' }], false],
    ['case of a value matters', [{ op: 'replace', path: 'displayName', value: 'babs' }], true],
    ['a real change', [{ op: 'replace', path: 'title', value: 'Boss' }], true],
  ] as const)('%s -> %p', (_, ops, changed) => {
    expect(run(base, [...ops]).changed).toBe(changed)
  })
})
