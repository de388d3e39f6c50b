// Large PATCH requests: the results of thousands of values or operations (the
// engine merges them with Maps and Sets, not pairwise). Results, not timings.
import { describe, expect, test } from 'bun:test'
import { applyPatch } from '../../../../../server/scim/patch'
import { ValueSet, looseKey, sameValue } from '../../../../../server/scim/patch/values'
import { GROUP, USER } from '../../../../../server/schema'
import { CORE_USER, patch } from './helpers'

const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
const group = { schemas: [GROUP_SCHEMA], id: 'g1', displayName: 'Engineering' }
const user = { schemas: [CORE_USER], id: 'u1', userName: 'bjensen', emails: [{ value: 'old@example.com', type: 'home' }] }
const ids = (n: number, prefix = 'user-') => Array.from({ length: n }, (_, i) => `${prefix}${i}`)

describe('10,000 single-member operations', () => {
  test('adds fold into one add of every id, in order', () => {
    const ops = ids(10_000).map((value) => ({ op: 'add', path: 'members', value: [{ value }] }))
    const { memberOps } = applyPatch(GROUP, group, patch(...ops))
    expect(memberOps).toEqual([{ kind: 'add', values: ids(10_000) }])
  })

  test('a replace absorbs 10,000 adds and removes', () => {
    const ops = [
      { op: 'replace', path: 'members', value: ids(5_000).map((value) => ({ value })) },
      ...ids(5_000).filter((_, i) => i % 2 === 0).map((value) => ({ op: 'remove', path: `members[value eq "${value}"]` })),
      ...ids(2_500, 'new-').map((value) => ({ op: 'add', path: 'members', value: [{ value }] })),
    ]
    const { memberOps } = applyPatch(GROUP, group, patch(...ops))
    expect(memberOps).toEqual([{ kind: 'replace', values: [...ids(5_000).filter((_, i) => i % 2 === 1), ...ids(2_500, 'new-')] }])
  })

  test('alternating adds and removes keep their order and effect', () => {
    const ops = ids(10_000).map((value, i) => (i % 2 === 0 ? { op: 'add', path: 'members', value: [{ value }] } : { op: 'remove', path: 'members', value: [{ value }] }))
    const { memberOps } = applyPatch(GROUP, group, patch(...ops))
    expect(memberOps).toHaveLength(10_000)
    expect(memberOps?.[9_999]).toEqual({ kind: 'remove', values: ['user-9999'] })
  })
})

describe('5,000 emails in one add', () => {
  const emails = ids(5_000, 'e').map((v) => ({ value: `${v}@example.com`, type: 'work' }))

  test('every email is kept once, after the existing one', () => {
    const { resource, changed } = applyPatch(USER, user, patch({ op: 'add', path: 'emails', value: emails }))
    expect(changed).toBe(true)
    expect(resource.emails).toEqual([...user.emails, ...emails])
  })

  test('repeats (other key order, string booleans, null keys) are dropped; the last primary wins', () => {
    const repeats = emails.map(({ value, type }) => ({ type, value, primary: null }))
    const flagged = { value: 'e4999@example.com', type: 'work', primary: 'True' }
    const same = { value: 'e4999@example.com', type: 'work', primary: true }
    const value = [...emails, ...repeats, { ...emails[0], primary: true }, flagged, same]
    const { resource } = applyPatch(USER, user, patch({ op: 'add', path: 'emails', value }))
    const out = resource.emails as Record<string, unknown>[]
    expect(out).toHaveLength(1 + 5_000 + 2)
    expect(out.slice(1, 5_001)).toEqual(emails)
    expect(out.slice(5_001)).toEqual([
      { value: 'e0@example.com', type: 'work', primary: false },
      { value: 'e4999@example.com', type: 'work', primary: 'True' },
    ])
  })

  test('replace with 5,000 emails, half of them twice, keeps 5,000', () => {
    const value = [...emails, ...emails.filter((_, i) => i % 2 === 0)]
    const { resource } = applyPatch(USER, user, patch({ op: 'replace', path: 'emails', value }))
    expect(resource.emails).toEqual(emails)
  })
})

describe('looseKey buckets values that sameValue equates', () => {
  test.each<[string, unknown, unknown]>([
    ['boolean and its string', true, 'True'],
    ['number and its string', 42, '42.0'],
    ['zero and minus zero', 0, -0],
    ['unassigned forms', null, { a: [], b: null }],
    ['key order and unassigned keys', { a: 1, b: 'x' }, { b: 'x', c: null, a: '1' }],
    ['arrays element-wise', [1, 'false'], ['1', false]],
  ])('%s', (_, a, b) => {
    expect(sameValue(a, b)).toBe(true)
    expect(looseKey(a)).toBe(looseKey(b))
  })

  test('a shared key is not sameness: "42" and "42.0" both equal 42 but not each other', () => {
    const set = new ValueSet(['42'])
    expect(looseKey('42')).toBe(looseKey('42.0'))
    expect(set.add('42.0')).toBe(true)
    expect(set.add(42)).toBe(false)
    expect(set.add('s')).toBe(true)
    expect(set.add('s')).toBe(false)
  })
})
