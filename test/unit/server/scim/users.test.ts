// Which list queries take the point lookup (server/scim/users.ts userNameLookup): only
// those whose answer is one user or none, exactly as the general list path would give.
import { describe, expect, test } from 'bun:test'
import { parseFilter } from '../../../../server/scim/filter/parse'
import { sortAttribute } from '../../../../server/scim/filter/to-sql'
import { userNameLookup } from '../../../../server/scim/users'
import { USER } from '../../../../server/schema'
import type { PageQuery } from '../../../../server/store/page'

const query = (filter: string, rest: Partial<PageQuery> = {}) => ({ filter: parseFilter(filter), query: { count: 100, startIndex: 1, ...rest } })

describe('userNameLookup', () => {
  test.each([
    ['userName eq "bjensen@example.com"', 'bjensen@example.com'],
    ['USERNAME EQ "BJensen@example.com"', 'BJensen@example.com'],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "a@b.c"', 'a@b.c'],
    ['(userName eq "x")', 'x'],
    ['userName eq ""', ''],
  ])('%s looks up %p', (filter, value) => {
    expect(userNameLookup(query(filter))).toBe(value)
  })

  test.each([
    'userName ne "x"',
    'userName sw "x"',
    'userName eq "x" and active eq true',
    'userName eq "x" or userName eq "y"',
    'not (userName eq "x")',
    'userName pr',
    'displayName eq "x"',
    'externalId eq "x"',
    'emails[value eq "x"]',
    'name.givenName eq "x"',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x"',
  ])('%s takes the general path', (filter) => {
    expect(userNameLookup(query(filter))).toBeUndefined()
  })

  test('paging and sorting other than the first page in the default order take the general path', () => {
    expect(userNameLookup(query('userName eq "x"', { count: 0 }))).toBeUndefined()
    expect(userNameLookup(query('userName eq "x"', { startIndex: 2 }))).toBeUndefined()
    expect(userNameLookup(query('userName eq "x"', { sortBy: sortAttribute('userName', USER) }))).toBeUndefined()
    expect(userNameLookup(query('userName eq "x"', { after: { key: null, id: crypto.randomUUID() } }))).toBeUndefined()
    expect(userNameLookup({ query: { count: 100, startIndex: 1 } })).toBeUndefined()
    expect(userNameLookup(query('userName eq "x"', { count: 1 }))).toBe('x')
  })
})
