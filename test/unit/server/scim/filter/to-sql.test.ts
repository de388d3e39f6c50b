import { describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { CAMEL_COLUMNS } from '../../../../../server/db/client'
import { scimErrorOf } from '../helpers'
import { parseFilter } from '../../../../../server/scim/filter/parse'
import { filterToSql, sortAttribute } from '../../../../../server/scim/filter/to-sql'
import { sortKey } from '../../../../../server/store/page'
import { GROUP, USER } from '../../../../../server/schema'
import type { ResourceType } from '../../../../../server/schema/types'

// No connection is made: fragments are only built and rendered.
const sql = postgres({ transform: CAMEL_COLUMNS })
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

/**
 * Renders a fragment as the driver would (text with $n, and the parameter list).
 * porsager has no public "to string" for an unexecuted query, so this walks its
 * template strings and arguments: nested fragments inline, identifiers escape,
 * anything else is a parameter.
 */
function render(q: unknown): { text: string; params: unknown[] } {
  const params: unknown[] = []
  const isQuery = (v: unknown): v is { strings: string[]; args: unknown[] } =>
    typeof v === 'object' && v !== null && 'strings' in v && 'args' in v
  const walk = (v: unknown): string => {
    if (Array.isArray(v) && v.length > 0 && isQuery(v[0])) return v.map((x) => ` ${walk(x)}`).join('')
    if (isQuery(v)) return v.strings.reduce((s, part, i) => s + walk(v.args[i - 1]) + part)
    if (typeof v === 'object' && v !== null && v.constructor.name === 'Identifier') return (v as { value: string }).value
    params.push(v)
    return `$${params.length}`
  }
  return { text: walk(q).replace(/\s+/g, ' ').trim(), params }
}

const compile = (filter: string, rt: ResourceType = USER) => render(filterToSql(sql, parseFilter(filter), rt))

const failure = scimErrorOf

const USERS_GM = 'group_members.organization_id = "users"."organization_id" and group_members.user_id = "users"."id"'
const GROUPS_GM = 'group_members.organization_id = "groups"."organization_id" and group_members.group_id = "groups"."id"'
const GM_JOIN = 'group_members join groups g on g.organization_id = group_members.organization_id and g.id = group_members.group_id'
const ELEMS = (col: string) => `exists (select 1 from jsonb_array_elements("${col}") e where`
const BY_EMAIL = '"users"."id" = any(array(select v.id from "users" v where scim_lower_values("v"."emails") @> array[lower($1::text)]))'

describe('User filters -> SQL text and parameters', () => {
  test.each([
    // caseExact false: lower() on both sides, so userName eq uses the lower(user_name) index
    ['userName eq "Bjensen"', 'lower("user_name") = lower($1::text)', ['Bjensen']],
    ['USERNAME Eq "b"', 'lower("user_name") = lower($1::text)', ['b']],
    [`urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b"`, 'lower("user_name") = lower($1::text)', ['b']],
    ['userName ne "b"', 'lower("user_name") is distinct from lower($1::text)', ['b']],
    ['userName gt "m"', 'lower("user_name") > lower($1::text)', ['m']],
    ['userName ge "m"', 'lower("user_name") >= lower($1::text)', ['m']],
    ['userName lt "m"', 'lower("user_name") < lower($1::text)', ['m']],
    ['userName le "m"', 'lower("user_name") <= lower($1::text)', ['m']],
    ['userName co "a%b_c\\\\d"', 'lower("user_name") like lower($1::text)', ['%a\\%b\\_c\\\\d%']],
    ['userName sw "a"', 'lower("user_name") like lower($1::text)', ['a%']],
    ['userName ew "@x.com"', 'lower("user_name") like lower($1::text)', ['%@x.com']],
    ['displayName eq "Babs"', 'lower("display_name") = lower($1::text)', ['Babs']],
    ['name.givenName eq "B"', 'lower("name_given_name") = lower($1::text)', ['B']],
    ['NAME.FAMILYNAME sw "J"', 'lower("name_family_name") like lower($1::text)', ['J%']],
    ['name[givenName eq "B"]', 'lower("name_given_name") = lower($1::text)', ['B']],
    ['profileUrl eq "https://x"', 'lower("profile_url") = lower($1::text)', ['https://x']],
    // caseExact true: no lower()
    ['externalId eq "X"', '"external_id" = $1::text', ['X']],
    ['externalId ew "z"', '"external_id" like $1::text', ['%z']],
    ['id eq "abc"', 'id::text = $1::text', ['abc']],
    ['id eq "2819C223-7F76-453A-919D-413861904646"', 'id = $1::uuid', ['2819C223-7F76-453A-919D-413861904646']],
    ['id ne "2819c223-7f76-453a-919d-413861904646"', 'id::text is distinct from $1::text', ['2819c223-7f76-453a-919d-413861904646']],
    ['userName eq 42', 'lower("user_name") = lower($1::text)', ['42']],
    // presence and null
    ['title pr', `coalesce("title" <> '', false)`, []],
    ['title eq null', `not coalesce("title" <> '', false)`, []],
    ['title ne null', `coalesce("title" <> '', false)`, []],
    ['active pr', '"active" is not null', []],
    ['meta pr', 'true', []],
    ['name pr', `(${['formatted', 'family_name', 'given_name', 'middle_name', 'honorific_prefix', 'honorific_suffix'].map((c) => `coalesce("name_${c}" <> '', false)`).join(' or ')})`, []],
    // booleans, with the string forms real clients send
    ['active eq true', '"active" = $1', [true]],
    ['active eq false', '"active" = $1', [false]],
    ['active eq "True"', '"active" = $1', [true]],
    ['active ne "FALSE"', '"active" is distinct from $1', [false]],
    // dateTime as timestamptz
    ['meta.created ge "2024-01-01T00:00:00Z"', '"created_at" >= $1::text::timestamptz', ['2024-01-01T00:00:00Z']],
    ['meta.lastModified gt "2011-05-13T04:42:34.123+02:00"', '"updated_at" > $1::text::timestamptz', ['2011-05-13T04:42:34.123+02:00']],
    ['meta.lastModified lt "2024-02-29"', '"updated_at" < $1::text::timestamptz', ['2024-02-29']],
    ['meta.resourceType eq "User"', '$1::text = $2::text', ['User', 'User']],
    // enterprise extension
    [`${ENT}:department eq "R&D"`, 'lower("department") = lower($1::text)', ['R&D']],
    ['department eq "R&D"', 'lower("department") = lower($1::text)', ['R&D']],
    [`${ENT}:employeeNumber eq "701984"`, 'lower("employee_number") = lower($1::text)', ['701984']],
    [`${ENT}:manager.value eq "m"`, '"manager_id" = $1::text', ['m']],
    [`${ENT.toLowerCase()}:MANAGER.VALUE eq "m"`, '"manager_id" = $1::text', ['m']],
    [`${ENT}:manager eq "m"`, '"manager_id" = $1::text', ['m']],
    [`${ENT}:manager pr`, `(coalesce("manager_id" <> '', false))`, []],
    // multi-valued jsonb: any element; no sub-attribute means value
    ['emails co "@x"', `${ELEMS('emails')} lower((e->>$1::text)) like lower($2::text))`, ['value', '%@x%']],
    // `value eq` on emails also asks the GIN index on scim_lower_values(emails) (migration 0007)
    ['emails.value eq "a@x"', `(${BY_EMAIL} and ${ELEMS('emails')} lower((e->>$2::text)) = lower($3::text)))`, ['a@x', 'value', 'a@x']],
    ['emails.Value eq "a@x"', `(${BY_EMAIL} and ${ELEMS('emails')} lower((e->>$2::text)) = lower($3::text)))`, ['a@x', 'value', 'a@x']],
    ['emails eq "a@x"', `(${BY_EMAIL} and ${ELEMS('emails')} lower((e->>$2::text)) = lower($3::text)))`, ['a@x', 'value', 'a@x']],
    ['emails.primary eq true', `${ELEMS('emails')} (e->>$1::text) = $2::text)`, ['primary', 'true']],
    ['emails pr', 'jsonb_array_length("emails") > 0', []],
    ['emails.type pr', `${ELEMS('emails')} coalesce((e->>$1::text) <> '', false))`, ['type']],
    ['phoneNumbers eq "+1"', `${ELEMS('phone_numbers')} lower((e->>$1::text)) = lower($2::text))`, ['value', '+1']],
    ['addresses.postalCode sw "9"', `${ELEMS('addresses')} lower((e->>$1::text)) like lower($2::text))`, ['postalCode', '9%']],
    ['x509Certificates.value eq "TUlJ"', `${ELEMS('x509_certificates')} (e->>$1::text) = $2::text)`, ['value', 'TUlJ']],
    [
      'emails ne "a"',
      `(not jsonb_array_length("emails") > 0 or ${ELEMS('emails')} lower((e->>$1::text)) is distinct from lower($2::text)))`,
      ['value', 'a'],
    ],
    // value paths: one element satisfies the whole bracket
    [
      'emails[type eq "work" and value co "@x"]',
      `${ELEMS('emails')} (lower((e->>$1::text)) = lower($2::text) and lower((e->>$3::text)) like lower($4::text)))`,
      ['type', 'work', 'value', '%@x%'],
    ],
    [
      'emails[type eq "work"].value eq "a@x"',
      `(${BY_EMAIL} and ${ELEMS('emails')} (lower((e->>$2::text)) = lower($3::text) and lower((e->>$4::text)) = lower($5::text))))`,
      ['a@x', 'type', 'work', 'value', 'a@x'],
    ],
    [
      'emails[value eq "a@x" and type eq "work"]',
      `(${BY_EMAIL} and ${ELEMS('emails')} (lower((e->>$2::text)) = lower($3::text) and lower((e->>$4::text)) = lower($5::text))))`,
      ['a@x', 'value', 'a@x', 'type', 'work'],
    ],
    // an `or` inside the bracket, or another attribute, cannot use it
    [
      'emails[type eq "work" or value eq "a@x"]',
      `${ELEMS('emails')} (lower((e->>$1::text)) = lower($2::text) or lower((e->>$3::text)) = lower($4::text)))`,
      ['type', 'work', 'value', 'a@x'],
    ],
    [
      'emails[not (type eq "work")]',
      `${ELEMS('emails')} not coalesce(lower((e->>$1::text)) = lower($2::text), false))`,
      ['type', 'work'],
    ],
    ['emails[primary eq "true"]', `${ELEMS('emails')} (e->>$1::text) = $2::text)`, ['primary', 'true']],
    // group membership lives in group_members, correlated with the outer users row
    ['groups eq "g"', `exists (select 1 from ${GM_JOIN} where ${USERS_GM} and group_members.group_id::text = $1::text)`, ['g']],
    ['groups.value eq "g"', `exists (select 1 from ${GM_JOIN} where ${USERS_GM} and group_members.group_id::text = $1::text)`, ['g']],
    ['groups.display eq "Admins"', `exists (select 1 from ${GM_JOIN} where ${USERS_GM} and lower(g.display_name) = lower($1::text))`, ['Admins']],
    ['groups[display sw "Adm"]', `exists (select 1 from ${GM_JOIN} where ${USERS_GM} and lower(g.display_name) like lower($1::text))`, ['Adm%']],
    ['groups pr', `exists (select 1 from group_members where ${USERS_GM})`, []],
    // logic
    ['not (title pr)', `not coalesce(coalesce("title" <> '', false), false)`, []],
    [
      'title pr and userName eq "x" or nickName eq "y"',
      `((coalesce("title" <> '', false) and lower("user_name") = lower($1::text)) or lower("nick_name") = lower($2::text))`,
      ['x', 'y'],
    ],
    [
      'userName eq "a" or userName eq "b" or userName eq "c"',
      '(lower("user_name") = lower($1::text) or lower("user_name") = lower($2::text) or lower("user_name") = lower($3::text))',
      ['a', 'b', 'c'],
    ],
    [
      'title pr and (userName eq "a" or not (active eq true))',
      `(coalesce("title" <> '', false) and (lower("user_name") = lower($1::text) or not coalesce("active" = $2, false)))`,
      ['a', true],
    ],
  ] as const)('%s', (filter, text, params) => {
    expect(compile(filter)).toEqual({ text, params: [...params] })
  })
})

describe('Group filters -> SQL', () => {
  test.each([
    ['displayName eq "Admins"', 'lower("display_name") = lower($1::text)', ['Admins']],
    ['DISPLAYNAME co "adm"', 'lower("display_name") like lower($1::text)', ['%adm%']],
    ['externalId eq "e"', '"external_id" = $1::text', ['e']],
    ['members eq "u"', `exists (select 1 from group_members where ${GROUPS_GM} and group_members.user_id::text = $1::text)`, ['u']],
    ['members.value eq "u"', `exists (select 1 from group_members where ${GROUPS_GM} and group_members.user_id::text = $1::text)`, ['u']],
    ['members[value eq "u"]', `exists (select 1 from group_members where ${GROUPS_GM} and group_members.user_id::text = $1::text)`, ['u']],
    ['members.type eq "User"', `exists (select 1 from group_members where ${GROUPS_GM} and lower($1::text) = lower($2::text))`, ['User', 'User']],
    ['members pr', `exists (select 1 from group_members where ${GROUPS_GM})`, []],
    ['not (members pr)', `not coalesce(exists (select 1 from group_members where ${GROUPS_GM}), false)`, []],
    ['meta.resourceType eq "Group"', '$1::text = $2::text', ['Group', 'Group']],
  ] as const)('%s', (filter, text, params) => {
    expect(compile(filter, GROUP)).toEqual({ text, params: [...params] })
  })
})

describe('client values only ever travel as parameters', () => {
  test.each([
    'x" or 1=1 --',
    'a"; drop table users; --',
    "' or '1'='1",
    "'); delete from users; --",
    'Robert\'); DROP TABLE Students;--',
  ])('%s', (hostile) => {
    for (const template of ['userName eq %', 'userName co %', 'emails[type eq %]', 'groups.display eq %', `${ENT}:manager.value ne %`]) {
      const { text, params } = compile(template.replace('%', JSON.stringify(hostile)))
      expect(text).not.toContain(hostile)
      expect(text).not.toContain("'" + hostile)
      expect(params.some((p) => typeof p === 'string' && p.includes(hostile.replace(/[\\%_]/g, '\\$&')))).toBe(true)
    }
  })

  test('attribute names never reach the SQL text: they resolve to schema columns or fail', () => {
    const e = failure(() => compile('users_name eq "x"'))
    expect(e.detail).toBe('unknown attribute "users_name" for User resources')
  })

  test('a 2,000-term or-chain renders as one flat list', () => {
    const input = Array.from({ length: 2000 }, (_, i) => `userName eq "u${i}"`).join(' or ')
    const { text, params } = render(filterToSql(sql, parseFilter(input, { maxLength: 100_000 }), USER))
    expect(params).toHaveLength(2000)
    expect(text.startsWith('(lower("user_name") = lower($1::text) or')).toBe(true)
    expect(text.match(/\(/g)!.length).toBe(1 + 2000 * 2)
  })
})

describe('filters the schema cannot answer are 400 invalidFilter', () => {
  test.each([
    [USER, 'nope eq "x"', 'unknown attribute "nope" for User resources'],
    [USER, 'name.nope eq "x"', 'unknown attribute "name.nope" for User resources'],
    [USER, 'urn:x:y:userName eq "x"', 'unknown attribute "urn:x:y:userName" for User resources'],
    [USER, `${ENT}:userName eq "x"`, `unknown attribute "${ENT}:userName" for User resources`],
    [GROUP, 'userName eq "x"', 'unknown attribute "userName" for Group resources'],
    [GROUP, `${ENT}:department eq "x"`, `unknown attribute "${ENT}:department" for Group resources`],
    [USER, 'active gt true', '"gt" is not supported on "active" (a boolean); use eq, ne or pr'],
    [USER, 'active co "t"', '"co" is not supported on "active" (a boolean); use eq, ne or pr'],
    [USER, 'emails.primary lt true', '"lt" is not supported on "emails.primary" (a boolean); use eq, ne or pr'],
    [USER, 'active eq "yes"', '"active" is a boolean; "eq" needs true or false, not "yes"'],
    [USER, 'active eq 1', '"active" is a boolean; "eq" needs true or false, not 1'],
    [USER, 'userName eq true', '"userName" is a string; "eq" needs a string, not true'],
    [USER, 'meta.created gt "yesterday"', '"meta.created" is a dateTime; "gt" needs a date-time string such as "2024-01-31T12:00:00Z", not "yesterday"'],
    [USER, 'meta.created gt "2024-02-30T00:00:00Z"', '"meta.created" is a dateTime; "gt" needs a date-time string such as "2024-01-31T12:00:00Z", not "2024-02-30T00:00:00Z"'],
    [USER, 'meta.created gt 1700000000', '"meta.created" is a dateTime; "gt" needs a date-time string such as "2024-01-31T12:00:00Z", not 1700000000'],
    [USER, 'meta.lastModified co "2024"', '"co" is not supported on "meta.lastModified" (a dateTime); use eq, ne, gt, ge, lt, le or pr'],
    [USER, 'x509Certificates.value gt "a"', '"gt" is not supported on "x509Certificates.value" (a binary); use eq, ne, co, sw, ew or pr'],
    [USER, 'title gt null', '"gt" cannot compare "title" with null; only eq and ne can'],
    [USER, 'password eq "secret"', 'filtering on "password" is not supported'],
    [USER, 'meta.location eq "x"', 'filtering on "meta.location" is not supported'],
    [USER, 'meta.version eq "x"', 'filtering on "meta.version" is not supported'],
    [USER, `${ENT}:manager.displayName eq "x"`, `filtering on "${ENT}:manager.displayName" is not supported`],
    [USER, 'groups.$ref eq "x"', 'filtering on "groups.$ref" is not supported'],
    [GROUP, 'members.display eq "x"', 'filtering on "members.display" is not supported'],
    [GROUP, 'members[display eq "x"]', 'filtering on "members.display" is not supported'],
    [USER, 'name eq "x"', '"name" is complex; filter on one of its sub-attributes (e.g. "name.formatted")'],
    [USER, 'meta eq "x"', '"meta" is complex; filter on one of its sub-attributes (e.g. "meta.resourceType")'],
    [USER, 'userName[value eq "x"]', '"userName" is not a complex attribute, so it cannot take a value filter "[...]"'],
    [USER, 'emails[nope eq "x"]', '"emails" has no sub-attribute "nope"'],
    [USER, 'emails[emails.value eq "x"]', 'inside "emails[...]" name a sub-attribute of emails directly, not "emails.value"'],
    [USER, 'emails[type eq "work"].nope eq "x"', '"emails" has no sub-attribute "nope"'],
  ] as const)('%s', (rt, filter, detail) => {
    const e = failure(() => compile(filter, rt))
    expect(e.status).toBe(400)
    expect(e.scimType).toBe('invalidFilter')
    expect(e.detail).toBe(detail)
  })
})

describe('sortAttribute, and the key the page sorts by', () => {
  test.each([
    [USER, 'userName', 'lower("user_name")'],
    [USER, 'USERNAME', 'lower("user_name")'],
    [USER, 'name.familyName', 'lower("name_family_name")'],
    [USER, 'urn:ietf:params:scim:schemas:core:2.0:User:displayName', 'lower("display_name")'],
    [USER, 'externalId', '"external_id"'],
    [USER, 'id', 'id::text'],
    [USER, 'active', '"active"'],
    [USER, 'meta.created', '"created_at"'],
    [USER, 'meta.lastModified', '"updated_at"'],
    [USER, `${ENT}:department`, 'lower("department")'],
    [USER, `${ENT}:manager.value`, '"manager_id"'],
    [GROUP, 'displayName', 'lower("display_name")'],
  ] as const)('%s %s', (rt, sortBy, text) => {
    expect(render(sortKey(sql, rt, sortAttribute(sortBy, rt)).key)).toEqual({ text, params: [] })
  })

  test.each([
    [USER, 'nope', 'sortBy "nope" names no attribute of User'],
    [USER, 'user name', 'sortBy "user name" is not an attribute path'],
    [USER, 'userName; drop table users', 'sortBy "userName; drop table users" is not an attribute path'],
    [USER, 'emails', 'sortBy "emails" is not sortable: only singular simple attributes can be sorted on'],
    [USER, 'emails.value', 'sortBy "emails.value" is not sortable: only singular simple attributes can be sorted on'],
    [USER, 'name', 'sortBy "name" is not sortable: only singular simple attributes can be sorted on'],
    [USER, 'password', 'sortBy "password" is not sortable: only singular simple attributes can be sorted on'],
    [USER, 'meta.version', 'sortBy "meta.version" is not sortable: only singular simple attributes can be sorted on'],
    [GROUP, 'members', 'sortBy "members" is not sortable: only singular simple attributes can be sorted on'],
    [GROUP, 'userName', 'sortBy "userName" names no attribute of Group'],
  ] as const)('%s %s is 400 invalidValue', (rt, sortBy, detail) => {
    const e = failure(() => sortAttribute(sortBy, rt))
    expect(e.status).toBe(400)
    expect(e.scimType).toBe('invalidValue')
    expect(e.detail).toBe(detail)
  })
})
