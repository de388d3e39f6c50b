import { describe, expect, test } from 'bun:test'
import type { MemberOp } from '../../../../../server/groups/store'
import { applyPatch } from '../../../../../server/scim/patch'
import { pushMemberOp } from '../../../../../server/scim/patch/members'
import { GROUP, USER } from '../../../../../server/schema'
import { expectScimError, patch } from './helpers'

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const group = { schemas: [GROUP_SCHEMA], id: 'g1', displayName: 'Engineering', externalId: 'ext-g1' }

function run(operations: unknown[]) {
  const snapshot = structuredClone(group)
  const result = applyPatch(GROUP, group, patch(...operations))
  expect(group).toEqual(snapshot)
  return result
}

describe('membership operations (memberOps)', () => {
  test.each<[string, unknown[], MemberOp[]]>([
    ['Entra add by value list', [{ op: 'Add', path: 'members', value: [{ value: 'u1' }] }], [{ kind: 'add', values: ['u1'] }]],
    ['Entra remove by value list', [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }], [{ kind: 'remove', values: ['u1', 'u2'] }]],
    ['remove by filter', [{ op: 'remove', path: 'members[value eq "u1"]' }], [{ kind: 'remove', values: ['u1'] }]],
    ['remove by a disjunction of value eq', [{ op: 'remove', path: 'members[value eq "u1" or value eq "u2" or Value EQ "u3"]' }], [{ kind: 'remove', values: ['u1', 'u2', 'u3'] }]],
    [
      'Okta: a filtered remove and an add in one request',
      [
        { op: 'remove', path: 'members[value eq "89bb1940"]' },
        { op: 'add', path: 'members', value: [{ value: '23a35c27', display: 'test.user@okta.local' }] },
      ],
      [
        { kind: 'remove', values: ['89bb1940'] },
        { kind: 'add', values: ['23a35c27'] },
      ],
    ],
    ['remove without value removes all', [{ op: 'remove', path: 'members' }], [{ kind: 'removeAll' }]],
    ['replace all', [{ op: 'replace', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }], [{ kind: 'replace', values: ['u1', 'u2'] }]],
    ['path-less replace of members is replace all', [{ op: 'replace', value: { members: [{ value: 'u1' }] } }], [{ kind: 'replace', values: ['u1'] }]],
    ['path-less add of members', [{ op: 'add', value: { members: [{ value: 'u1' }] } }], [{ kind: 'add', values: ['u1'] }]],
    ['replace with [] removes all', [{ op: 'replace', path: 'members', value: [] }], [{ kind: 'removeAll' }]],
    ['replace with null removes all', [{ op: 'replace', path: 'members', value: null }], [{ kind: 'removeAll' }]],
    ['add [] does nothing', [{ op: 'add', path: 'members', value: [] }], []],
    ['remove [] does nothing', [{ op: 'remove', path: 'members', value: [] }], []],
    ['a bare element and bare ids', [{ op: 'add', path: 'members', value: { value: 'u1' } }, { op: 'add', path: 'MEMBERS', value: ['u2'] }], [{ kind: 'add', values: ['u1', 'u2'] }]],
    ['duplicates collapse', [{ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u1' }, { value: 'u2' }] }], [{ kind: 'add', values: ['u1', 'u2'] }]],
    ['no membership op', [{ op: 'replace', path: 'displayName', value: 'Eng' }], []],
  ])('%s', (_, ops, memberOps) => {
    expect(run(ops).memberOps).toEqual(memberOps)
  })

  test('members are left out of the resource', () => {
    const result = run([{ op: 'add', path: 'members', value: [{ value: 'u1' }] }])
    expect(result.resource).toEqual(group)
    // The resource did not change; the store decides from memberOps whether the membership did.
    expect(result.changed).toBe(false)
  })

  test('users have no memberOps', () => {
    const result = applyPatch(USER, { id: 'u', userName: 'x' }, patch({ op: 'replace', path: 'title', value: 'T' }))
    expect(result.memberOps).toBeUndefined()
  })

  test('adding 10,000 members in one op is fast and yields one op', () => {
    const value = Array.from({ length: 10_000 }, (_, i) => ({ value: `user-${i}`, display: `User ${i}` }))
    const started = performance.now()
    const result = run([{ op: 'Add', path: 'members', value }])
    expect(performance.now() - started).toBeLessThan(500)
    expect(result.memberOps).toHaveLength(1)
    const [op] = result.memberOps!
    expect(op?.kind).toBe('add')
    expect(op && 'values' in op ? op.values.length : 0).toBe(10_000)
    expect(op && 'values' in op ? op.values[9_999] : undefined).toBe('user-9999')
  })
})

describe('membership ops are compacted, keeping their effect', () => {
  const add = (...values: string[]): MemberOp => ({ kind: 'add', values })
  const remove = (...values: string[]): MemberOp => ({ kind: 'remove', values })
  const replace = (...values: string[]): MemberOp => ({ kind: 'replace', values })
  const removeAll: MemberOp = { kind: 'removeAll' }
  test.each<[string, MemberOp[], MemberOp[]]>([
    ['adds merge', [add('a'), add('b', 'a')], [add('a', 'b')]],
    ['removes merge', [remove('a'), remove('b')], [remove('a', 'b')]],
    ['add then remove keep their order', [add('a'), remove('a')], [add('a'), remove('a')]],
    ['replace drops what came before', [add('a'), remove('b'), replace('c')], [replace('c')]],
    ['removeAll drops what came before', [add('a'), removeAll], [removeAll]],
    ['replace absorbs a later add', [replace('a'), add('b')], [replace('a', 'b')]],
    ['replace absorbs a later remove', [replace('a', 'b'), remove('a')], [replace('b')]],
    ['replace emptied by a remove is removeAll', [replace('a'), remove('a')], [removeAll]],
    ['removeAll then add is replace', [removeAll, add('a')], [replace('a')]],
    ['removeAll absorbs a remove', [removeAll, remove('a')], [removeAll]],
  ])('%s', (_, ops, expected) => {
    const out: MemberOp[] = []
    for (const op of ops) pushMemberOp(out, structuredClone(op))
    expect(out).toEqual(expected)
  })
})

describe('other group attributes', () => {
  test.each([
    ['Okta rename carries the id in value', { op: 'replace', value: { id: 'g1', displayName: 'Eng' } }, { ...group, displayName: 'Eng' }],
    ['a different id in value is ignored too', { op: 'replace', value: { id: 'other', displayName: 'Eng' } }, { ...group, displayName: 'Eng' }],
    ['rename by path', { op: 'Replace', path: 'displayName', value: 'Eng' }, { ...group, displayName: 'Eng' }],
    ['remove externalId', { op: 'remove', path: 'externalId' }, { schemas: [GROUP_SCHEMA], id: 'g1', displayName: 'Engineering' }],
  ] as const)('%s', (_, op, expected) => {
    const result = run([op])
    expect(result).toEqual({ resource: expected, changed: true, memberOps: [] })
  })

  test('a rename and membership changes together', () => {
    const result = run([
      { op: 'replace', value: { id: 'g1', displayName: 'Eng', members: [{ value: 'u1' }] } },
      { op: 'remove', path: 'members[value eq "u1"]' },
    ])
    expect(result).toEqual({ resource: { ...group, displayName: 'Eng' }, changed: true, memberOps: [{ kind: 'removeAll' }] })
  })
})

describe('membership errors', () => {
  test.each([
    ['a filter that is not value eq', 'invalidFilter', { op: 'remove', path: 'members[display eq "Bob"]' }, /only as members\[value eq "id"\]/],
    ['a conjunction', 'invalidFilter', { op: 'remove', path: 'members[value eq "a" and type eq "User"]' }, /joined by "or"/],
    ['a negation', 'invalidFilter', { op: 'remove', path: 'members[not (value eq "a")]' }, /members\[value eq "id"\]/],
    ['a filter with add', 'invalidPath', { op: 'add', path: 'members[value eq "a"]', value: { value: 'b' } }, /only with "remove"/],
    ['a filter with replace', 'invalidPath', { op: 'replace', path: 'members[value eq "a"]', value: { value: 'b' } }, /only with "remove"/],
    ['a member sub-attribute', 'mutability', { op: 'replace', path: 'members[value eq "a"].value', value: 'b' }, /added or removed whole/],
    ['members.type', 'mutability', { op: 'replace', path: 'members.type', value: 'Group' }, /members\.type/],
    ['the readOnly display', 'mutability', { op: 'replace', path: 'members.display', value: 'x' }, /"members\.display" is readOnly/],
    ['a member without value', 'invalidValue', { op: 'add', path: 'members', value: [{ display: 'Bob' }] }, /members\[0\] must be an object with a "value"/],
    ['an empty id', 'invalidValue', { op: 'add', path: 'members', value: [{ value: 'u1' }, { value: ' ' }] }, /members\[1\]/],
    ['removing displayName', 'mutability', { op: 'remove', path: 'displayName' }, /"displayName" is required/],
    ['an unknown attribute', 'invalidPath', { op: 'replace', path: 'userName', value: 'x' }, /Group has no attribute "userName"/],
  ] as const)('%s -> %s', (_, scimType, op, detail) => {
    expectScimError(() => run([op]), scimType, detail)
  })
})
