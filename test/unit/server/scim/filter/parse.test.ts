import { describe, expect, test } from 'bun:test'
import { ScimError } from '../../../../../server/scim/errors'
import { scimErrorOf } from '../helpers'
import type { CompareOp, Filter } from '../../../../../server/scim/filter/ast'
import { parseAttrPath, parseFilter, parsePath } from '../../../../../server/scim/filter/parse'

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User'

const eq = (attr: string, value: string | number | boolean | null, sub?: string): Filter => ({
  op: 'eq',
  path: sub ? { attr, sub } : { attr },
  value,
})
const pr = (attr: string): Filter => ({ op: 'pr', path: { attr } })
const and = (left: Filter, right: Filter): Filter => ({ op: 'and', left, right })
const or = (left: Filter, right: Filter): Filter => ({ op: 'or', left, right })
const not = (filter: Filter): Filter => ({ op: 'not', filter })

const failure = (input: string, opts?: { maxLength?: number; maxDepth?: number }) => scimErrorOf(() => parseFilter(input, opts))

describe('every comparison operator, any case, every value kind', () => {
  const ops: CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']
  const values: [string, string | number | boolean | null][] = [
    ['"bjensen"', 'bjensen'],
    ['42', 42],
    ['true', true],
    ['false', false],
    ['null', null],
  ]
  const rows = ops.flatMap((op) =>
    [op, op.toUpperCase(), op[0]!.toUpperCase() + op[1]].flatMap((spelled) =>
      values.map(([text, value]) => [`userName ${spelled} ${text}`, op, value] as const),
    ),
  )
  test.each(rows)('%s', (input, op, value) => {
    expect(parseFilter(input)).toEqual({ op, path: { attr: 'userName' }, value })
  })
})

describe('presence', () => {
  test.each(['title pr', 'title PR', 'title Pr', '  title   pr  ', '\ttitle\npr\r'])('%j', (input) => {
    expect(parseFilter(input)).toEqual(pr('title'))
  })
})

describe('literals', () => {
  test.each([
    ['a eq "plain"', 'plain'],
    ['a eq ""', ''],
    ['a eq "with \\"quotes\\""', 'with "quotes"'],
    ['a eq "back\\\\slash"', 'back\\slash'],
    ['a eq "slash\\/ok"', 'slash/ok'],
    ['a eq "\\u00e9t\\u00E9"', 'été'],
    ['a eq "été"', 'été'],
    ['a eq "日本語"', '日本語'],
    ['a eq "emoji 😀"', 'emoji 😀'],
    ['a eq "\\ud83d\\ude00"', '😀'],
    ['a eq "tab\\there"', 'tab\there'],
    ['a eq "nl\\nhere"', 'nl\nhere'],
    ['a eq "cr\\r\\b\\f"', 'cr\r\b\f'],
    ['a eq "spaces  inside "', 'spaces  inside '],
    ['a eq "and or not pr eq"', 'and or not pr eq'],
    ['a eq "(parens) [brackets]"', '(parens) [brackets]'],
    ['a eq "2011-05-13T04:42:34Z"', '2011-05-13T04:42:34Z'],
    ['a eq 0', 0],
    ['a eq -0', -0],
    ['a eq 7', 7],
    ['a eq -7', -7],
    ['a eq 3.25', 3.25],
    ['a eq -3.25', -3.25],
    ['a eq 1e3', 1000],
    ['a eq 1E3', 1000],
    ['a eq 1.5e-2', 0.015],
    ['a eq 2E+2', 200],
    ['a eq 9007199254740993', 9007199254740993],
    ['a eq TRUE', true],
    ['a eq False', false],
    ['a eq NULL', null],
  ] as const)('%s', (input, value) => {
    expect(parseFilter(input)).toEqual(eq('a', value))
  })
})

describe('attribute paths', () => {
  test.each([
    ['userName eq "x"', { attr: 'userName' }],
    ['USERNAME eq "x"', { attr: 'USERNAME' }],
    ['name.givenName eq "x"', { attr: 'name', sub: 'givenName' }],
    ['NAME.GIVENNAME eq "x"', { attr: 'NAME', sub: 'GIVENNAME' }],
    ['emails.Value eq "x"', { attr: 'emails', sub: 'Value' }],
    ['members.$ref eq "x"', { attr: 'members', sub: '$ref' }],
    ['x509Certificates.value eq "x"', { attr: 'x509Certificates', sub: 'value' }],
    ['attr_with-dash eq "x"', { attr: 'attr_with-dash' }],
    ['meta.lastModified eq "x"', { attr: 'meta', sub: 'lastModified' }],
    [`${CORE}:userName eq "x"`, { uri: CORE, attr: 'userName' }],
    [`${CORE}:name.familyName eq "x"`, { uri: CORE, attr: 'name', sub: 'familyName' }],
    [`${ENT}:department eq "x"`, { uri: ENT, attr: 'department' }],
    [`${ENT}:manager.value eq "x"`, { uri: ENT, attr: 'manager', sub: 'value' }],
    [`${ENT.toUpperCase()}:MANAGER.VALUE eq "x"`, { uri: ENT.toUpperCase(), attr: 'MANAGER', sub: 'VALUE' }],
    ['urn:x:y:attr eq "x"', { uri: 'urn:x:y', attr: 'attr' }],
  ] as const)('%s', (input, path) => {
    expect(parseFilter(input)).toEqual({ op: 'eq', path, value: 'x' })
  })
})

describe('precedence: not > and > or, left-associative', () => {
  const [a, b, c, d] = [pr('a'), pr('b'), pr('c'), pr('d')]
  test.each([
    ['a pr and b pr', and(a, b)],
    ['a pr or b pr', or(a, b)],
    ['a pr and b pr and c pr', and(and(a, b), c)],
    ['a pr or b pr or c pr', or(or(a, b), c)],
    ['a pr or b pr and c pr', or(a, and(b, c))],
    ['a pr and b pr or c pr', or(and(a, b), c)],
    ['a pr and b pr or c pr and d pr', or(and(a, b), and(c, d))],
    ['a pr or b pr and c pr or d pr', or(or(a, and(b, c)), d)],
    ['(a pr or b pr) and c pr', and(or(a, b), c)],
    ['a pr and (b pr or c pr)', and(a, or(b, c))],
    ['((a pr))', a],
    ['(((a pr) and (b pr)))', and(a, b)],
    ['not (a pr)', not(a)],
    ['not(a pr)', not(a)],
    ['NOT (a pr)', not(a)],
    ['Not (a pr)', not(a)],
    ['not a pr', not(a)],
    ['not (a pr) and b pr', and(not(a), b)],
    ['not a pr and b pr', and(not(a), b)],
    ['not (a pr and b pr)', not(and(a, b))],
    ['a pr and not (b pr)', and(a, not(b))],
    ['a pr or not b pr and c pr', or(a, and(not(b), c))],
    ['not not (a pr)', not(not(a))],
    ['not (not (a pr))', not(not(a))],
    ['a pr AND b pr OR c pr', or(and(a, b), c)],
    ['a pr And b pr oR c pr', or(and(a, b), c)],
    ['(a pr)and(b pr)', and(a, b)],
  ] as const)('%s', (input, ast) => {
    expect(parseFilter(input)).toEqual(ast)
  })
})

describe('value paths (same element)', () => {
  const vp = (attr: string, filter: Filter): Filter => ({ op: 'valuePath', path: { attr }, filter })
  test.each([
    ['emails[type eq "work"]', vp('emails', eq('type', 'work'))],
    ['emails[ type eq "work" ]', vp('emails', eq('type', 'work'))],
    [
      'emails[type eq "work" and value co "@example.com"]',
      vp('emails', and(eq('type', 'work'), { op: 'co', path: { attr: 'value' }, value: '@example.com' })),
    ],
    ['emails[type eq "work" or type eq "home"]', vp('emails', or(eq('type', 'work'), eq('type', 'home')))],
    ['emails[not (primary eq true)]', vp('emails', not(eq('primary', true)))],
    ['emails[(type eq "work")]', vp('emails', eq('type', 'work'))],
    ['emails[primary pr]', vp('emails', pr('primary'))],
    ['EMAILS[TYPE EQ "work"]', vp('EMAILS', eq('TYPE', 'work'))],
    ['members[value eq "2819c223"]', vp('members', eq('value', '2819c223'))],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(eq('userType', 'Employee'), vp('emails', and(eq('type', 'work'), { op: 'co', path: { attr: 'value' }, value: '@example.com' }))),
    ],
    [
      'emails[type eq "work"] or ims[type eq "xmpp"]',
      or(vp('emails', eq('type', 'work')), vp('ims', eq('type', 'xmpp'))),
    ],
    ['not (emails[type eq "work"])', not(vp('emails', eq('type', 'work')))],
    [
      `${CORE}:emails[type eq "work"]`,
      { op: 'valuePath', path: { uri: CORE, attr: 'emails' }, filter: eq('type', 'work') },
    ],
    // Entra's form: a sub-attribute comparison after the brackets, on the same element.
    ['emails[type eq "work"].value eq "x@y"', vp('emails', and(eq('type', 'work'), eq('value', 'x@y')))],
    ['emails[type eq "work"].Value EQ "x@y"', vp('emails', and(eq('type', 'work'), eq('Value', 'x@y')))],
    ['emails[type eq "work"].value pr', vp('emails', and(eq('type', 'work'), pr('value')))],
    [
      'emails[type eq "work" or type eq "home"].value co "@x"',
      vp('emails', and(or(eq('type', 'work'), eq('type', 'home')), { op: 'co', path: { attr: 'value' }, value: '@x' })),
    ],
    [
      'addresses[type eq "work"].postalCode sw "9" and active eq true',
      and(vp('addresses', and(eq('type', 'work'), { op: 'sw', path: { attr: 'postalCode' }, value: '9' })), eq('active', true)),
    ],
  ] as const)('%s', (input, ast) => {
    expect(parseFilter(input)).toEqual(ast)
  })
})

describe('real client filters', () => {
  test.each([
    ['userName eq "bjensen@example.com"', eq('userName', 'bjensen@example.com')],
    ['userName Eq "bjensen@example.com"', eq('userName', 'bjensen@example.com')],
    ['externalId eq "00ub0oNGTSWTBKOLGLNR"', eq('externalId', '00ub0oNGTSWTBKOLGLNR')],
    ['displayName eq "Engineering"', eq('displayName', 'Engineering')],
    ['DisplayName eq "Engineering"', eq('DisplayName', 'Engineering')],
    ['id eq "2819c223-7f76-453a-919d-413861904646"', eq('id', '2819c223-7f76-453a-919d-413861904646')],
    ['userName eq "8c2a6fa5-4e3e-4cb5-b0e1-5f0c1b5c3a8d"', eq('userName', '8c2a6fa5-4e3e-4cb5-b0e1-5f0c1b5c3a8d')],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', { op: 'gt', path: { attr: 'meta', sub: 'lastModified' }, value: '2011-05-13T04:42:34Z' }],
    ['meta.resourceType eq "User"', eq('meta', 'User', 'resourceType')],
    ['name.familyName co "O\'Malley"', { op: 'co', path: { attr: 'name', sub: 'familyName' }, value: "O'Malley" }],
    ['title pr and userType eq "Employee"', and(pr('title'), eq('userType', 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr('title'), eq('userType', 'Intern'))],
    ['userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(eq('userType', 'Employee'), or({ op: 'co', path: { attr: 'emails' }, value: 'example.com' }, { op: 'co', path: { attr: 'emails', sub: 'value' }, value: 'example.org' }))],
    ['userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and({ op: 'ne', path: { attr: 'userType' }, value: 'Employee' }, not(or({ op: 'co', path: { attr: 'emails' }, value: 'example.com' }, { op: 'co', path: { attr: 'emails', sub: 'value' }, value: 'example.org' })))],
    [`${ENT}:employeeNumber eq "701984"`, { op: 'eq', path: { uri: ENT, attr: 'employeeNumber' }, value: '701984' }],
  ] as const)('%s', (input, ast) => {
    expect(parseFilter(input)).toEqual(ast as Filter)
  })
})

describe('hostile input is a literal, never SQL', () => {
  test.each([
    ['userName eq "x\\" or 1=1 --"', 'x" or 1=1 --'],
    ['userName eq "a\\"; drop table users; --"', 'a"; drop table users; --'],
    ["userName eq \"' or '1'='1\"", "' or '1'='1"],
    ['userName eq "%"', '%'],
    ['userName eq "_"', '_'],
    ['userName eq "$1"', '$1'],
    ['userName eq "\\\\x00"', '\\x00'],
    ['userName eq "); delete from users where (\\"1\\"=\\"1"', '); delete from users where ("1"="1'],
  ])('%s', (input, value) => {
    expect(parseFilter(input)).toEqual(eq('userName', value))
  })
})

describe('errors are 400 invalidFilter with what was expected and where', () => {
  test.each([
    ['', /filter is empty/],
    ['   ', /filter is empty/],
    ['userName', /expected a comparison operator after "userName" at position 9/],
    ['userName xx "a"', /comparison operator after "userName" at position 10, found "xx" \(operators: eq, ne, co/],
    ['userName eq', /expected a value .* after "eq" at position 12, found the end/],
    ['userName eq bjensen', /expected a value .* at position 13, found "bjensen"/],
    ['userName eq "a" junk', /expected "and", "or" or the end of the filter at position 17, found "junk"/],
    ['userName eq "a" and', /expected an attribute name, "not" or "\(" at position 20, found the end/],
    ['userName eq "a" or', /expected an attribute name/],
    ['and userName eq "a"', /expected an attribute name, "not" or "\(" at position 1, found "and"/],
    ['or', /expected an attribute name, "not" or "\(" at position 1, found "or"/],
    ['eq "x"', /comparison operator after "eq" at position 4, found the string "x"/],
    ['pr', /expected a comparison operator after "pr" at position 3/],
    ['not', /expected an attribute name, "not" or "\(" at position 4/],
    ['not ()', /expected an attribute name, "not" or "\(" at position 6, found '\)'/],
    ['()', /position 2, found '\)'/],
    ['(userName pr', /expected '\)' at position 13 \(to close the '\(' at position 1\)/],
    ['userName pr)', /position 12, found '\)'/],
    ['((a pr)', /expected '\)' at position 8 \(to close the '\(' at position 1\)/],
    ['(a pr))', /position 7, found '\)'/],
    ['emails[type eq "work"', /expected '\]' at position 22 \(to close the '\[' at position 7\)/],
    ['emails type eq "work"]', /comparison operator after "emails" at position 8, found "type"/],
    ['emails[]', /expected an attribute name.*found '\]'/],
    ['emails[type eq "work"]]', /position 23, found '\]'/],
    ['emails[type eq "x"] eq "y"', /expected "and", "or" or the end/],
    ['emails[type eq "work"].', /sub-attribute name after "\]\." at position 24/],
    ['emails[type eq "work"].value', /comparison operator after "value"/],
    ['emails[type eq "work"].value.x eq "y"', /sub-attribute name after "\]\."/],
    ['emails[members[value eq "x"]]', /value paths cannot be nested/],
    ['name.givenName[value eq "x"]', /cannot follow the sub-attribute "name.givenName"/],
    ['userName eq "unterminated', /unterminated string starting at position 13/],
    ['userName eq "bad \\x escape"', /invalid escape \\x/],
    ['userName eq "bad \\u12 escape"', /expected 4 hex digits after \\u/],
    ['userName eq "trailing\\', /invalid escape/],
    ['userName eq \'single\'', /unexpected character '''/],
    ['userName eq "a" && b pr', /unexpected character '&'/],
    ['userName == "a"', /unexpected character '='/],
    ['userName eq "a" || b pr', /unexpected character '\|'/],
    ['userName eq "a";', /unexpected character ';'/],
    ['userName eq "x" or 1=1 --', /unexpected character '='|comparison operator/],
    ['userName eq "a"; drop table users; --', /unexpected character ';'/],
    ['1 eq 1', /expected an attribute name.*found the number 1/],
    ['"userName" eq "a"', /expected an attribute name.*found the string "userName"/],
    ['a.b.c eq "x"', /at most one sub-attribute/],
    ['a. eq "x"', /missing sub-attribute name/],
    ['urn:x: eq "x"', /missing attribute name/],
    ['foo:bar eq "x"', /only a urn: schema prefix/],
    ['a eq 01', /expected "and", "or" or the end.*found the number 1/],
    ['a eq 1.', /unexpected character '.'|found '\.'/],
    ['a eq - 1', /expected a number at position 6/],
    ['a eq 1e999', /out of range/],
    ['a eq "x" and not', /expected an attribute name/],
    ['userName eq "a\u0000b"', /NUL characters are not allowed/],
    ['userName eq "a\\u0000b"', /NUL characters are not allowed/],
    ['userName\u0000 eq "a"', /unexpected character U\+0000 at position 9/],
    ['userName eq "line\nbreak"', /control character U\+000A must be escaped/],
    ['userName eq "a" \u00a0', /unexpected character '\u00a0' at position 17/],
    ['[', /expected an attribute name.*found '\['/],
    [']', /found '\]'/],
    ['.', /found '\.'/],
    ['"', /unterminated string/],
    ['(', /expected an attribute name.*position 2/],
    [')', /found '\)'/],
    ['not not', /expected an attribute name/],
    ['a pr and and b pr', /expected an attribute name.* at position 10, found "and"/],
    ['a pr or or b pr', /expected an attribute name.* at position 9, found "or"/],
    ['a pr and or b pr', /expected an attribute name.* at position 10, found "or"/],
    ['a eq "x" "y"', /found the string "y"/],
    ['a eq eq "x"', /found "eq"/],
    ['a eq (b pr)', /expected a value .* found '\('/],
  ] as const)('%j', (input, detail) => {
    const e = failure(input)
    expect(e.status).toBe(400)
    expect(e.scimType).toBe('invalidFilter')
    expect(e.detail).toMatch(detail)
  })
})

describe('limits', () => {
  const deep = (n: number) => `${'('.repeat(n)}a pr${')'.repeat(n)}`
  test.each([
    ['10,000 nested parens', deep(10_000)],
    ['10,000 nots', `${'not '.repeat(10_000)}a pr`],
    ['10,000 nots with parens', `${'not ('.repeat(10_000)}a pr${')'.repeat(10_000)}`],
    ['10,000 unclosed parens', '('.repeat(10_000)],
    ['10,000 brackets', `emails${'['.repeat(10_000)}`],
  ])('%s fails fast with invalidFilter, no stack overflow', (_, input) => {
    const started = performance.now()
    const e = failure(input, { maxLength: 1_000_000 })
    expect(e.scimType).toBe('invalidFilter')
    expect(e.detail).toMatch(/deeper than 50 levels|value paths cannot be nested|expected/)
    expect(performance.now() - started).toBeLessThan(500)
  })

  test('50 levels are fine, 51 are not', () => {
    expect(parseFilter(deep(50))).toEqual(pr('a'))
    expect(failure(deep(51)).detail).toMatch(/deeper than 50 levels \(at position 51\)/)
  })

  test('maxDepth is configurable', () => {
    expect(failure(deep(3), { maxDepth: 2 }).detail).toMatch(/deeper than 2 levels/)
    expect(parseFilter(deep(80), { maxDepth: 100 })).toEqual(pr('a'))
  })

  test('default length limit is 4096 characters, named in the error', () => {
    const ok = `userName eq "${'x'.repeat(4096 - 14)}"`
    expect(ok.length).toBe(4096)
    expect(parseFilter(ok)).toEqual(eq('userName', 'x'.repeat(4096 - 14)))
    expect(failure(`${ok} `).detail).toBe('filter is 4097 characters long; the limit is 4096')
  })

  test('100 KB input is refused before parsing', () => {
    const started = performance.now()
    const e = failure(`userName eq "${'a'.repeat(100 * 1024)}"`)
    expect(e.detail).toMatch(/the limit is 4096/)
    expect(performance.now() - started).toBeLessThan(50)
  })

  test('maxLength is configurable', () => {
    expect(failure('userName pr', { maxLength: 5 }).detail).toBe('filter is 11 characters long; the limit is 5')
  })

  test('a long flat chain parses iteratively', () => {
    const input = Array.from({ length: 2000 }, (_, i) => `a${i} pr`).join(' or ')
    let f = parseFilter(input, { maxLength: 100_000 })
    let n = 1
    while (f.op === 'or') {
      f = f.left
      n++
    }
    expect(n).toBe(2000)
  })
})

describe('parseAttrPath', () => {
  test.each([
    ['userName', { attr: 'userName' }],
    [' userName ', { attr: 'userName' }],
    ['name.givenName', { attr: 'name', sub: 'givenName' }],
    ['emails.Value', { attr: 'emails', sub: 'Value' }],
    [`${ENT}:manager.value`, { uri: ENT, attr: 'manager', sub: 'value' }],
    [`${ENT}:department`, { uri: ENT, attr: 'department' }],
    ['meta.lastModified', { attr: 'meta', sub: 'lastModified' }],
  ] as const)('%s', (input, path) => {
    expect(parseAttrPath(input)).toEqual(path)
  })

  test.each(['', 'a b', 'a[type eq "x"]', '"a"', 'a.b.c', 'a eq "x"', '1abc', 'a;drop'])('%j is invalidPath', (input) => {
    expect(() => parseAttrPath(input)).toThrow(ScimError)
    try {
      parseAttrPath(input)
    } catch (e) {
      expect((e as ScimError).scimType).toBe('invalidPath')
    }
  })
})

describe('parsePath (PATCH paths)', () => {
  test.each([
    ['members', { path: { attr: 'members' } }],
    ['name.familyName', { path: { attr: 'name', sub: 'familyName' } }],
    [`${ENT}:department`, { path: { uri: ENT, attr: 'department' } }],
    ['members[value eq "2819c223"]', { path: { attr: 'members' }, filter: eq('value', '2819c223') }],
    ['emails[type eq "work"].value', { path: { attr: 'emails' }, filter: eq('type', 'work'), sub: 'value' }],
    [
      'addresses[type eq "work" and primary eq true].streetAddress',
      { path: { attr: 'addresses' }, filter: and(eq('type', 'work'), eq('primary', true)), sub: 'streetAddress' },
    ],
  ] as const)('%s', (input, parsed) => {
    expect(parsePath(input)).toEqual(parsed as ReturnType<typeof parsePath>)
  })

  test.each([
    ['', /expected an attribute path/],
    ['members[', /expected an attribute name/],
    ['members[value eq "x"', /expected '\]'/],
    ['members[value eq "x"] x', /expected the end of the path/],
    ['emails[type eq "work"].value eq "x"', /expected the end of the path/],
    ['name.givenName[value pr]', /cannot follow the sub-attribute/],
    ['a b', /expected the end of the path/],
  ])('%j is invalidPath', (input, detail) => {
    try {
      parsePath(input)
      throw new Error('parsed')
    } catch (e) {
      expect(e).toBeInstanceOf(ScimError)
      expect((e as ScimError).scimType).toBe('invalidPath')
      expect((e as ScimError).detail).toMatch(detail)
    }
  })
})
