// Lists: filters, startIndex/count paging, sorting, projection, POST /.search and
// RFC 9865 cursors, over one organization of 25 users.
import { beforeAll, describe, expect, test } from 'bun:test'
import { parseFilter } from '../../../../server/scim/filter/parse'
import { filterToSql } from '../../../../server/scim/filter/to-sql'
import { USER } from '../../../../server/schema'
import { migratedSql } from '../../../support'
import { ENTERPRISE, LIST_RESPONSE, USER_SCHEMA, expectError, scimApp, tenant, type Send } from './helpers'

let scim: Send
let users: { id: string; userName: string; title?: string }[] = []
const TOTAL = 25
const q = (s: string) => encodeURIComponent(s)

beforeAll(async () => {
  const { app } = await scimApp({ SCIM_MAX_FILTER_LENGTH: '512' })
  ;({ scim } = await tenant(app))
  for (let i = 0; i < TOTAL; i++) {
    // Names not in creation order, mixed case, so sorting is observable.
    const letter = String.fromCharCode(97 + ((i * 7) % 26))
    const userName = `${i % 2 ? letter.toUpperCase() : letter}-user${i}@${i % 3 ? 'example.com' : 'corp.io'}`
    const r = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA],
      userName,
      externalId: `ext-${i}`,
      active: i % 4 !== 0,
      ...(i % 5 ? { title: `Title ${String(i).padStart(2, '0')}` } : {}),
      emails: [
        { value: `work${i}@${i % 3 ? 'example.com' : 'corp.io'}`, type: 'work', primary: true },
        { value: `home${i}@home.net`, type: 'home' },
      ],
      [ENTERPRISE]: { department: i % 2 ? 'Sales' : 'Engineering', employeeNumber: String(1000 + i) },
    })
    if (r.status !== 201) throw new Error(JSON.stringify(r.body))
    users.push(r.body)
  }
})

const ids = (r: { body: { Resources: { id: string }[] } }) => r.body.Resources.map((x) => x.id)

describe('paging (startIndex/count)', () => {
  test('the default order is creation order; integers for totalResults, startIndex, itemsPerPage', async () => {
    const r = await scim('GET', '/Users')
    expect(r.status).toBe(200)
    expect(r.body.schemas).toEqual([LIST_RESPONSE])
    expect(r.body.totalResults).toBe(TOTAL)
    expect(r.body.itemsPerPage).toBe(TOTAL)
    expect(r.body.startIndex).toBe(1)
    for (const k of ['totalResults', 'itemsPerPage', 'startIndex']) expect(Number.isInteger(r.body[k])).toBe(true)
    expect(ids(r)).toEqual(users.map((u) => u.id))
  })

  test('pages of 7 cover everything once, in a stable order', async () => {
    const seen: string[] = []
    for (let start = 1; start <= TOTAL; start += 7) {
      const r = await scim('GET', `/Users?startIndex=${start}&count=7`)
      expect(r.body.startIndex).toBe(start)
      expect(r.body.totalResults).toBe(TOTAL)
      expect(r.body.itemsPerPage).toBe(Math.min(7, TOTAL - start + 1))
      seen.push(...ids(r))
    }
    expect(seen).toEqual(users.map((u) => u.id))
  })

  test('count=0 returns only totalResults; negative count is 0; startIndex below 1 is 1', async () => {
    for (const count of ['0', '-3']) {
      const r = await scim('GET', `/Users?count=${count}`)
      expect(r.body).toMatchObject({ totalResults: TOTAL, itemsPerPage: 0, Resources: [] })
    }
    for (const start of ['0', '-10']) {
      const r = await scim('GET', `/Users?startIndex=${start}&count=2`)
      expect(r.body.startIndex).toBe(1)
      expect(ids(r)).toEqual(users.slice(0, 2).map((u) => u.id))
    }
  })

  test('past the end is an empty page with the total', async () => {
    const r = await scim('GET', '/Users?startIndex=1000&count=10')
    expect(r.body).toMatchObject({ totalResults: TOTAL, itemsPerPage: 0, startIndex: 1000, Resources: [] })
  })

  test('count above the maximum is the maximum, not an error', async () => {
    const r = await scim('GET', '/Users?count=100000')
    expect(r.status).toBe(200)
    expect(r.body.itemsPerPage).toBe(TOTAL)
  })

  test.each(['abc', '1.5', '1e3', ''])('count=%p that is not an integer is 400 invalidValue (empty is the default)', async (v) => {
    const r = await scim('GET', `/Users?count=${v}`)
    if (v === '') expect(r.status).toBe(200)
    else expectError(r, 400, 'invalidValue')
  })

  test('parameter names are matched case-insensitively', async () => {
    const r = await scim('GET', '/Users?STARTINDEX=3&Count=2')
    expect(r.body.startIndex).toBe(3)
    expect(ids(r)).toEqual(users.slice(2, 4).map((u) => u.id))
  })
})

describe('filters', () => {
  const expectMatch = async (filter: string, predicate: (u: (typeof users)[number], i: number) => boolean) => {
    const r = await scim('GET', `/Users?filter=${q(filter)}&count=1000`)
    expect(r.status).toBe(200)
    expect(ids(r).sort()).toEqual(users.filter(predicate).map((u) => u.id).sort())
    expect(r.body.totalResults).toBe(users.filter(predicate).length)
  }

  test('userName eq is case-insensitive (Okta, Entra)', async () => {
    const u = users[3]!
    await expectMatch(`userName eq "${u.userName.toUpperCase()}"`, (x) => x.id === u.id)
    await expectMatch(`USERNAME EQ "${u.userName}"`, (x) => x.id === u.id)
  })

  test('externalId eq is case-exact', async () => {
    await expectMatch('externalId eq "ext-4"', (_, i) => i === 4)
    await expectMatch('externalId eq "EXT-4"', () => false)
  })

  test('a random user: 200 with totalResults 0 (Entra test connection)', async () => {
    const r = await scim('GET', `/Users?filter=${q(`userName eq "${crypto.randomUUID()}"`)}`)
    expect(r.status).toBe(200)
    expect(r.body).toEqual({ schemas: [LIST_RESPONSE], totalResults: 0, itemsPerPage: 0, startIndex: 1, Resources: [] })
  })

  test('co, sw, ew, pr, and/or/not with precedence, parentheses', async () => {
    await expectMatch('userName co "corp.io"', (_, i) => i % 3 === 0)
    await expectMatch('userName sw "A-"', (u) => u.userName.toLowerCase().startsWith('a-'))
    await expectMatch('userName ew "@EXAMPLE.COM"', (_, i) => i % 3 !== 0)
    await expectMatch('title pr', (_, i) => i % 5 !== 0)
    await expectMatch('not (title pr)', (_, i) => i % 5 === 0)
    await expectMatch('active eq false or title pr and userName co "corp"', (_, i) => i % 4 === 0 || (i % 5 !== 0 && i % 3 === 0))
    await expectMatch('(active eq false or title pr) and userName co "corp"', (_, i) => (i % 4 === 0 || i % 5 !== 0) && i % 3 === 0)
    await expectMatch('title gt "Title 20"', (_, i) => i % 5 !== 0 && i > 20)
  })

  test('value paths keep same-element semantics; Entra\'s emails[type eq "work"].value form', async () => {
    await expectMatch('emails[type eq "work" and value co "corp.io"]', (_, i) => i % 3 === 0)
    // home addresses never contain corp.io: no cross-element match.
    await expectMatch('emails[type eq "home" and value co "corp.io"]', () => false)
    await expectMatch('emails[type eq "work"].value eq "work7@example.com"', (_, i) => i === 7)
    await expectMatch('emails.value eq "HOME8@home.net"', (_, i) => i === 8)
    await expectMatch('emails co "home12@"', (_, i) => i === 12)
    // The forms the emails values index narrows: the exact test still decides.
    await expectMatch('emails[value eq "WORK7@example.com" and type eq "work"]', (_, i) => i === 7)
    await expectMatch('emails[type eq "home" and value eq "work7@example.com"]', () => false)
    await expectMatch('emails eq "home9@HOME.net"', (_, i) => i === 9)
    await expectMatch('not (emails.value eq "home3@home.net")', (_, i) => i !== 3)
    await expectMatch('emails[type eq "work" or value eq "home4@home.net"]', () => true)
  })

  test('an email value filter is served by the users_emails_values index', async () => {
    const sql = await migratedSql()
    for (const filter of ['emails[type eq "work" and value eq "a@x"]', 'emails[type eq "work"].value eq "a@x"', 'emails.value eq "a@x"']) {
      const where = filterToSql(sql, parseFilter(filter), USER)
      // 25 rows would be scanned anyway; forbidding that shows the index can answer.
      const plan = await sql.begin(async (tx) => {
        await tx`set local enable_seqscan = off`
        return tx`explain select id from users where ${where}`
      })
      expect(plan.map((r) => Object.values(r)[0]).join('\n')).toContain('users_emails_values')
    }
  })

  test('enterprise attributes by URN and unqualified; booleans as strings', async () => {
    await expectMatch(`${ENTERPRISE}:department eq "sales"`, (_, i) => i % 2 === 1)
    await expectMatch('department eq "Engineering" and active eq "False"', (_, i) => i % 2 === 0 && i % 4 === 0)
    await expectMatch('employeeNumber eq "1010"', (_, i) => i === 10)
  })

  test('meta.created and id are filterable', async () => {
    const first = await scim('GET', `/Users/${users[0]!.id}`)
    await expectMatch(`meta.created ge "${first.body.meta.created}"`, () => true)
    await expectMatch(`id eq "${users[5]!.id}"`, (_, i) => i === 5)
  })

  test('a value that looks like SQL is just a value', async () => {
    await expectMatch(`userName eq "x' or '1'='1"`, () => false)
    await expectMatch('userName co "%"', () => false)
    await expectMatch('userName co "_"', () => false)
    // Through the email values index too: the value is a parameter there as well.
    await expectMatch(`emails.value eq "x' or '1'='1"`, () => false)
    await expectMatch(`emails[type eq "work" and value eq "work1@example.com')) or true --"]`, () => false)
    await expectMatch('emails.value eq "{work1@example.com}"', () => false)
  })

  test.each([
    ['userName eq', 'missing value'],
    ['userName eq "x" and', 'dangling and'],
    ['(userName eq "x"', 'unbalanced'],
    ['userName zz "x"', 'unknown operator'],
    ['nope eq "x"', 'unknown attribute'],
    ['emails[type eq "work"', 'unclosed bracket'],
    ['active gt true', 'unsupported operator for boolean'],
    ['userName eq "unterminated', 'unterminated string'],
  ])('%p (%s) is 400 invalidFilter, never "everything"', async (filter) => {
    const e = expectError(await scim('GET', `/Users?filter=${q(filter)}`), 400, 'invalidFilter')
    expect(e.detail.length).toBeGreaterThan(0)
  })

  test('a filter longer than the limit is 400 invalidFilter', async () => {
    const long = `userName eq "${'x'.repeat(600)}"`
    expectError(await scim('GET', `/Users?filter=${q(long)}`), 400, 'invalidFilter')
  })

  test('deeply nested filters are refused, not overflowed', async () => {
    const deep = '('.repeat(200) + 'title pr' + ')'.repeat(200)
    expectError(await scim('GET', `/Users?filter=${q(deep)}`), 400, 'invalidFilter')
  })
})

describe('sorting', () => {
  test('sortBy userName, ascending and descending, case-insensitive', async () => {
    const expected = [...users].sort((a, b) => a.userName.toLowerCase().localeCompare(b.userName.toLowerCase())).map((u) => u.id)
    expect(ids(await scim('GET', '/Users?sortBy=userName'))).toEqual(expected)
    expect(ids(await scim('GET', '/Users?sortBy=USERNAME&sortOrder=descending'))).toEqual([...expected].reverse())
  })

  test('sortBy an attribute with gaps: absent values sort last ascending', async () => {
    const r = await scim('GET', '/Users?sortBy=title&sortOrder=ascending')
    const titles = r.body.Resources.map((x: { title?: string }) => x.title ?? null)
    const present = titles.filter((t: string | null) => t !== null)
    expect(titles.slice(0, present.length)).toEqual([...present].sort())
    expect(titles.slice(present.length).every((t: string | null) => t === null)).toBe(true)
  })

  test('sortBy with paging gives consistent pages', async () => {
    const all = ids(await scim('GET', '/Users?sortBy=name.familyName&count=100'))
    const paged = [...ids(await scim('GET', '/Users?sortBy=name.familyName&count=10')), ...ids(await scim('GET', '/Users?sortBy=name.familyName&count=10&startIndex=11')), ...ids(await scim('GET', '/Users?sortBy=name.familyName&count=10&startIndex=21'))]
    expect(paged).toEqual(all)
  })

  test('sortBy something unsortable or unknown, or a bad sortOrder, is 400 invalidValue', async () => {
    expectError(await scim('GET', '/Users?sortBy=emails'), 400, 'invalidValue')
    expectError(await scim('GET', '/Users?sortBy=nope'), 400, 'invalidValue')
    expectError(await scim('GET', '/Users?sortBy=userName&sortOrder=sideways'), 400, 'invalidValue')
  })
})

describe('projection and POST /.search', () => {
  test('attributes= and excludedAttributes= apply to every resource of a list', async () => {
    const r = await scim('GET', '/Users?attributes=userName&count=3')
    for (const x of r.body.Resources) expect(Object.keys(x).sort()).toEqual(['id', 'schemas', 'userName'])
    const ex = await scim('GET', `/Users?excludedAttributes=emails,${ENTERPRISE}&count=3`)
    for (const x of ex.body.Resources) {
      expect(x.emails).toBeUndefined()
      expect(x[ENTERPRISE]).toBeUndefined()
      expect(typeof x.userName).toBe('string')
    }
  })

  test('POST /Users/.search takes a SearchRequest body', async () => {
    const r = await scim('POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName co "corp.io"',
      attributes: ['userName', 'title'],
      sortBy: 'userName',
      sortOrder: 'descending',
      startIndex: 1,
      count: 3,
    })
    expect(r.status).toBe(200)
    expect(r.body.totalResults).toBe(users.filter((_, i) => i % 3 === 0).length)
    expect(r.body.itemsPerPage).toBe(3)
    for (const x of r.body.Resources) expect(Object.keys(x).every((k) => ['id', 'schemas', 'userName', 'title'].includes(k))).toBe(true)
    expectError(await scim('POST', '/Users/.search', { filter: 'bad (' }), 400, 'invalidFilter')
    expectError(await scim('POST', '/Users/.search', '[]'), 400, 'invalidValue')
  })

  test('POST /.search at the root is 501', async () => {
    expectError(await scim('POST', '/.search', { filter: 'userName pr' }), 501)
  })
})

describe('cursor pagination (RFC 9865)', () => {
  const walk = async (extra: string) => {
    const seen: string[] = []
    let cursor = ''
    for (let i = 0; i < 20; i++) {
      const r = await scim('GET', `/Users?count=6&cursor=${q(cursor)}${extra}`)
      expect(r.status).toBe(200)
      expect(r.body.startIndex).toBeUndefined()
      expect(r.body.totalResults).toBeGreaterThan(0)
      seen.push(...ids(r))
      if (!r.body.nextCursor) break
      expect(r.body.itemsPerPage).toBe(6)
      cursor = r.body.nextCursor
    }
    return seen
  }

  test('an empty cursor starts; nextCursor walks every user once, in order; the last page has none', async () => {
    expect(await walk('')).toEqual(users.map((u) => u.id))
  })

  test('cursors follow sortBy/sortOrder, including attributes with absent values', async () => {
    expect(await walk('&sortBy=userName&sortOrder=descending')).toEqual(ids(await scim('GET', '/Users?sortBy=userName&sortOrder=descending')))
    expect(await walk('&sortBy=title')).toEqual(ids(await scim('GET', '/Users?sortBy=title')))
    expect(await walk('&sortBy=title&sortOrder=descending')).toEqual(ids(await scim('GET', '/Users?sortBy=title&sortOrder=descending')))
    expect(await walk(`&filter=${q('active eq true')}&sortBy=active`)).toEqual(ids(await scim('GET', `/Users?filter=${q('active eq true')}&sortBy=active`)))
  })

  test('a cursor survives users created after it was issued', async () => {
    const first = await scim('GET', '/Users?count=5&cursor=')
    const second = await scim('GET', `/Users?count=5&cursor=${q(first.body.nextCursor)}`)
    expect(ids(second)).toEqual(users.slice(5, 10).map((u) => u.id))
  })

  test('an edited, forged or foreign-query cursor is 400 invalidCursor', async () => {
    const first = await scim('GET', '/Users?count=5&cursor=')
    const c: string = first.body.nextCursor
    const [payload, sig] = c.split('.')
    const edited = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload!, 'base64url').toString()), i: users[0]!.id })).toString('base64url')
    expectError(await scim('GET', `/Users?count=5&cursor=${q(`${edited}.${sig}`)}`), 400, 'invalidCursor')
    expectError(await scim('GET', `/Users?count=5&cursor=garbage`), 400, 'invalidCursor')
    expectError(await scim('GET', `/Users?count=5&cursor=${q(c)}&filter=${q('title pr')}`), 400, 'invalidCursor')
    expectError(await scim('GET', `/Users?count=5&cursor=${q(c)}&sortBy=userName`), 400, 'invalidCursor')
    expectError(await scim('GET', `/Groups?count=5&cursor=${q(c)}`), 400, 'invalidCursor')
  })

  test('startIndex with a cursor is 400', async () => {
    const first = await scim('GET', '/Users?count=5&cursor=')
    expectError(await scim('GET', `/Users?startIndex=6&cursor=${q(first.body.nextCursor)}`), 400, 'invalidValue')
  })
})
