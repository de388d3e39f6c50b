import { describe, expect, test } from 'bun:test'
import { ScimError } from '../../../../../server/scim/errors'
import type { Filter } from '../../../../../server/scim/filter/ast'
import { checkFilter, elementLookup, matches, resourceLookup } from '../../../../../server/scim/filter/eval'
import { parseFilter } from '../../../../../server/scim/filter/parse'
import { GROUP, USER, findAttribute, schemasOf } from '../../../../../server/schema'

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
  id: '2819c223-7f76-453a-919d-413861904646',
  externalId: 'AbC-1',
  userName: 'BJensen',
  displayName: 'Babs Jensen',
  title: '',
  active: true,
  name: { givenName: 'Barbara', familyName: 'Jensen' },
  emails: [
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'babs@jensen.org', type: 'home' },
  ],
  meta: { resourceType: 'User', created: '2024-01-15T10:00:00Z', lastModified: '2024-06-01T12:30:00Z' },
  [ENTERPRISE]: { department: 'Tour Operations', manager: { value: '26118915-6090', displayName: 'John Smith' } },
}

const onUser = resourceLookup(USER)
const emails = findAttribute(schemasOf(USER)[0]!.attributes, 'emails')!
const members = findAttribute(schemasOf(GROUP)[0]!.attributes, 'members')!

describe('matches against a whole user', () => {
  test.each([
    // names and operators in any case; userName is not caseExact
    ['userName eq "bjensen"', true],
    ['USERNAME EQ "BJENSEN"', true],
    ['userName ne "bjensen"', false],
    // caseExact attributes compare exactly
    ['externalId eq "AbC-1"', true],
    ['externalId eq "abc-1"', false],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', false],
    // substring operators, folded for caseExact=false
    ['displayName co "JENS"', true],
    ['displayName sw "babs"', true],
    ['displayName ew "jensen"', true],
    ['displayName ew "babs"', false],
    // string ordering
    ['userName gt "a"', true],
    ['userName lt "b"', false],
    ['userName ge "bjensen"', true],
    // absent and empty values
    ['nickName ne "x"', true],
    ['nickName eq "x"', false],
    ['nickName eq null', true],
    ['displayName eq null', false],
    ['displayName ne null', true],
    ['title pr', false],
    ['nickName pr', false],
    ['displayName pr', true],
    ['name pr', true],
    ['emails pr', true],
    ['phoneNumbers pr', false],
    ['phoneNumbers.value ne "x"', true],
    // booleans, also as strings (Entra)
    ['active eq true', true],
    ['active eq "True"', true],
    ['active ne false', true],
    ['active eq false', false],
    // dateTime compared as instants, not strings: 12:30Z == 13:30+01:00
    ['meta.lastModified gt "2024-05-01T00:00:00Z"', true],
    ['meta.lastModified lt "2024-06-01T13:30:00+01:00"', false],
    ['meta.lastModified le "2024-06-01T13:30:00+01:00"', true],
    ['meta.lastModified eq "2024-06-01T13:30:00+01:00"', true],
    ['meta.created ge "2024-01-15"', true],
    ['meta.created lt "2024-01-15"', false],
    // multi-valued: any element; complex without sub-attribute means its value
    ['emails.value ew "@jensen.org"', true],
    ['emails.type eq "WORK"', true],
    ['emails.type ne "work"', true],
    ['emails co "example.com"', true],
    ['emails eq "nobody@example.com"', false],
    // value paths: both conditions on the same element
    ['emails[type eq "work" and value co "@example.com"]', true],
    ['emails[type eq "home" and primary eq true]', false],
    ['emails[type eq "home" and value co "@example.com"]', false],
    ['emails[not (type eq "work")]', true],
    ['emails[type eq "work"].value eq "bjensen@example.com"', true],
    ['phoneNumbers[type eq "work"]', false],
    // enterprise extension, qualified or not
    [`${ENTERPRISE}:department eq "tour operations"`, true],
    [`${ENTERPRISE}:manager.value eq "26118915-6090"`, true],
    ['manager.value eq "26118915-6090"', true],
    ['department sw "Tour"', true],
    ['costCenter pr', false],
    // logic
    ['not (userName eq "bjensen")', false],
    ['userName eq "x" or name.givenName eq "barbara"', true],
    ['userName eq "bjensen" and active eq false', false],
    ['(userName eq "x" or userName eq "bjensen") and not (title pr)', true],
  ] as const)('%s -> %p', (filter, expected) => {
    expect(matches(parseFilter(filter), user, onUser)).toBe(expected)
  })

  test('an extension attribute is not found outside its URN key', () => {
    const flat = { userName: 'x', department: 'Tour Operations' }
    expect(matches(parseFilter('department eq "Tour Operations"'), flat, onUser)).toBe(false)
  })

  test('a long or-chain is evaluated without deep recursion', () => {
    const leaves: Filter[] = Array.from({ length: 20_000 }, (_, i) => ({ op: 'eq', path: { attr: 'userName' }, value: `u${i}` }))
    leaves.push({ op: 'eq', path: { attr: 'userName' }, value: 'bjensen' })
    const chain = leaves.reduce((left, right) => ({ op: 'or', left, right }))
    expect(matches(chain, user, onUser)).toBe(true)
  })
})

describe('matches against one element (PATCH value paths)', () => {
  const onEmail = elementLookup(emails)
  const onMember = elementLookup(members)
  test.each([
    ['type eq "work"', { value: 'a@x.com', type: 'work' }, true],
    // keys in any case, values folded (type is not caseExact)
    ['type eq "work"', { Value: 'a@x.com', Type: 'Work' }, true],
    ['value eq "A@X.com"', { value: 'a@x.com' }, true],
    ['primary eq true', { value: 'a@x.com', primary: 'True' }, true],
    ['primary eq false', { value: 'a@x.com', primary: 'True' }, false],
    ['type ne "work"', { value: 'a@x.com' }, true],
    ['value pr', { value: '' }, false],
    ['type eq "work" or type eq "home"', { type: 'home' }, true],
  ] as const)('emails: %s on %j -> %p', (filter, element, expected) => {
    expect(matches(parseFilter(filter), element, onEmail)).toBe(expected)
  })

  test.each([
    ['value eq "abc"', { value: 'abc' }, true],
    // member ids are caseExact
    ['value eq "ABC"', { value: 'abc' }, false],
    ['value eq "a" or value eq "abc"', { value: 'abc', display: 'Someone' }, true],
  ] as const)('members: %s on %j -> %p', (filter, element, expected) => {
    expect(matches(parseFilter(filter), element, onMember)).toBe(expected)
  })
})

describe('invalid filters', () => {
  test.each([
    ['active gt true', onUser, /"gt" is not supported on "active"/],
    ['emails.primary co "t"', onUser, /"co" is not supported/],
    ['foo eq "x"', onUser, /unknown attribute "foo"/],
    ['meta.created gt "yesterday"', onUser, /date-time/],
    ['userName gt null', onUser, /only eq and ne/],
    ['userName[value eq "x"]', onUser, /not a complex attribute/],
    ['name eq "x"', onUser, /has no value/],
    ['foo eq "x"', elementLookup(emails), /unknown attribute "foo"/],
  ] as const)('%s -> invalidFilter', (filter, lookup, detail) => {
    const f = parseFilter(filter)
    for (const run of [() => matches(f, user, lookup), () => checkFilter(f, lookup)]) {
      try {
        run()
        throw new Error('expected a ScimError')
      } catch (e) {
        expect(e).toBeInstanceOf(ScimError)
        expect((e as ScimError).scimType).toBe('invalidFilter')
        expect((e as ScimError).detail).toMatch(detail)
      }
    }
  })

  test('checkFilter accepts valid filters without data', () => {
    expect(() => checkFilter(parseFilter('type eq "work" and primary eq "true"'), elementLookup(emails))).not.toThrow()
  })
})
