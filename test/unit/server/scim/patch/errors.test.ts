import { describe, expect, test } from 'bun:test'
import { applyPatch } from '../../../../../server/scim/patch'
import { checkImmutable } from '../../../../../server/scim/patch/apply'
import { attr, complex, str } from '../../../../../server/schema/attribute'
import { USER } from '../../../../../server/schema'
import { CORE_USER, ENTERPRISE, expectScimError, patch } from './helpers'

const user = {
  schemas: [CORE_USER, ENTERPRISE],
  id: '2819c223',
  userName: 'bjensen',
  title: 'Guide',
  name: { givenName: 'Barbara' },
  emails: [{ value: 'bjensen@example.com', type: 'work' }],
  meta: { resourceType: 'User', version: 'W/"1"' },
  [ENTERPRISE]: { manager: { value: 'm1', displayName: 'Boss' } },
}

const fails = (op: unknown) => () => applyPatch(USER, user, patch(op))

describe('mutability', () => {
  test.each([
    ['remove userName (required)', { op: 'remove', path: 'userName' }, /"userName" is required and cannot be removed/],
    ['replace userName with null', { op: 'replace', path: 'userName', value: null }, /"userName" is required/],
    ['path-less null userName', { op: 'replace', value: { userName: null } }, /"userName" is required/],
    ['replace id', { op: 'replace', path: 'id', value: 'x' }, /"id" is readOnly/],
    ['remove id', { op: 'remove', path: 'id' }, /"id" is readOnly/],
    ['replace meta', { op: 'replace', path: 'meta', value: {} }, /"meta" is readOnly/],
    ['meta.version', { op: 'replace', path: 'meta.version', value: 'W/"9"' }, /"meta\.version" is readOnly/],
    ['groups', { op: 'add', path: 'groups', value: [{ value: 'g1' }] }, /"groups" is readOnly/],
    ['manager.displayName', { op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'X' }, /manager\.displayName" is readOnly/],
  ] as const)('%s', (_, op, detail) => {
    expectScimError(fails(op), 'mutability', detail)
  })

  const code = str('code', { mutability: 'immutable' })
  const badge = complex('badge', [str('serial', { mutability: 'immutable' }), str('label')])
  test.each([
    ['immutable set while unset', code, undefined, 'A1', true],
    ['immutable set to its current value', code, 'A1', 'A1', true],
    ['immutable changed', code, 'A1', 'B2', false],
    ['immutable removed', code, 'A1', undefined, false],
    ['immutable sub-attribute set while unset', badge, { label: 'x' }, { label: 'x', serial: 's1' }, true],
    ['other sub-attributes change freely', badge, { serial: 's1', label: 'x' }, { serial: 's1', label: 'y' }, true],
    ['immutable sub-attribute changed', badge, { serial: 's1' }, { serial: 's2' }, false],
    ['readWrite changes freely', attr('note', 'string'), 'a', 'b', true],
  ] as const)('%s', (_, a, before, after, allowed) => {
    const run = () => checkImmutable(a, before, after)
    if (allowed) expect(run).not.toThrow()
    else expectScimError(run, 'mutability', /is immutable: it can be set only while it has no value/)
  })
})

describe('invalidPath', () => {
  test.each([
    ['an unknown attribute', { op: 'replace', path: 'favouriteColour', value: 'x' }, /User has no attribute "favouriteColour"/],
    ['an unknown attribute on remove', { op: 'remove', path: 'favouriteColour' }, /favouriteColour/],
    ['an unknown sub-attribute', { op: 'replace', path: 'name.nickname', value: 'x' }, /"name" has no sub-attribute "nickname"/],
    ['a sub-attribute of a simple attribute', { op: 'replace', path: 'userName.first', value: 'x' }, /"userName" has no sub-attribute "first"/],
    ['an unknown schema URN', { op: 'replace', path: 'urn:example:ext:1.0:User:x', value: 'x' }, /"urn:example:ext:1.0:User" is not a schema of User/],
    ['an attribute of another extension', { op: 'replace', path: `${ENTERPRISE}:userName`, value: 'x' }, /User has no attribute "userName"/],
    ['an unclosed bracket', { op: 'remove', path: 'emails[type eq "work"' }, /expected '\]'/],
    ['a broken filter', { op: 'remove', path: 'emails[type "work"]' }, /comparison operator/],
    ['garbage after the bracket', { op: 'remove', path: 'emails[type eq "work"]value' }, /.+/],
    ['an unknown sub-attribute after the bracket', { op: 'replace', path: 'emails[type eq "work"].address', value: 'x' }, /"emails" has no sub-attribute "address"/],
    ['an unknown sub-attribute in the filter', { op: 'remove', path: 'emails[kind eq "work"]' }, /"emails" has no sub-attribute "kind"/],
    ['a filter on a singular attribute', { op: 'remove', path: 'name[givenName eq "x"]' }, /"name" is not a multi-valued complex attribute/],
    ['a filter on a simple attribute', { op: 'remove', path: 'title[value eq "x"]' }, /not a multi-valued complex attribute/],
  ] as const)('%s', (_, op, detail) => {
    expectScimError(fails(op), 'invalidPath', detail)
  })

  test('an unsupported comparison in a path filter is invalidFilter (RFC 7644 §3.12)', () => {
    expectScimError(fails({ op: 'remove', path: 'emails[primary gt true]' }), 'invalidFilter', /"gt" is not supported on "primary"/)
  })
})

describe('noTarget', () => {
  test.each([
    ['remove without path', { op: 'remove' }, /"remove" needs a "path"/],
    ['Remove without path, with a value', { op: 'Remove', value: { title: 'Guide' } }, /needs a "path"/],
    ['remove with the core schema URN as path', { op: 'remove', path: CORE_USER }, /naming an attribute/],
    ['replace of a whole element that does not exist', { op: 'replace', path: 'emails[type eq "home"]', value: { value: 'x@y.z' } }, /no element of "emails" matches/],
    ['a value path with no match and no eq to create from', { op: 'replace', path: 'emails[type co "ho"].value', value: 'x@y.z' }, /only a filter of "eq" comparisons joined by "and"/],
    ['a value path with no match and an or filter', { op: 'add', path: 'emails[type eq "home" or type eq "other"].value', value: 'x@y.z' }, /"eq" comparisons/],
    ['a value path with contradictory eq clauses', { op: 'add', path: 'emails[type eq "home" and type eq "other"].value', value: 'x@y.z' }, /"eq" comparisons/],
  ] as const)('%s', (_, op, detail) => {
    expectScimError(fails(op), 'noTarget', detail)
  })
})

describe('invalidValue', () => {
  test.each([
    ['a path-less value that is not an object', { op: 'replace', value: 'x' }, /needs an object of attributes/],
    ['a path-less value that is an array', { op: 'add', value: [{ title: 'x' }] }, /needs an object of attributes/],
    ['a complex value that is not an object', { op: 'replace', path: 'name', value: 42 }, /"name" is complex/],
    ['a URN key whose value is not an object', { op: 'replace', value: { [ENTERPRISE]: 'x' } }, /needs an object of attributes/],
    ['a listed value with an unknown sub-attribute', { op: 'remove', path: 'emails', value: [{ address: 'x' }] }, /"address" is not a sub-attribute of "emails"/],
  ] as const)('%s', (_, op, detail) => {
    expectScimError(fails(op), 'invalidValue', detail)
  })
})

describe('atomicity', () => {
  test('a failing second operation throws and leaves the input untouched', () => {
    const snapshot = structuredClone(user)
    const err = expectScimError(
      () =>
        applyPatch(
          USER,
          user,
          patch(
            { op: 'replace', path: 'title', value: 'Boss' },
            { op: 'add', path: 'emails', value: [{ value: 'second@example.com' }] },
            { op: 'remove', path: 'userName' },
          ),
        ),
      'mutability',
    )
    // The detail names the failing operation.
    expect(err.detail).toBe('Operations[2] (remove): "userName" is required and cannot be removed')
    expect(user).toEqual(snapshot)
  })

  test('the error names the operation index and path', () => {
    const err = expectScimError(fails({ op: 'replace', path: 'nope', value: 1 }), 'invalidPath')
    expect(err.detail).toBe('Operations[0] (replace): "nope": User has no attribute "nope"')
  })
})
