// The pure parts of the SCIM HTTP layer: ETag matching, the rate limiter, body
// shape checks, list parameters and cursors.
import { describe, expect, test } from 'bun:test'
import { ScimError } from '../../../../server/scim/errors'
import { CursorCodec, paramsFromQuery, planList } from '../../../../server/scim/list'
import { RateLimiter, checkArrays, checkContentLength, checkContentType, parseJson } from '../../../../server/scim/limits'
import { errorReply, etag, etagMatches } from '../../../../server/scim/reply'
import { USER } from '../../../../server/schema'

const silent = { debug() {}, info() {}, warn() {}, error() {} }

const scimError = (fn: () => unknown) => {
  try {
    fn()
  } catch (e) {
    if (e instanceof ScimError) return { status: e.status, scimType: e.scimType }
    throw e
  }
  throw new Error('expected a ScimError')
}

describe('etags', () => {
  test.each([
    ['W/"3"', 3, true],
    ['"3"', 3, true],
    ['W/"3", W/"4"', 4, true],
    ['*', 9, true],
    ['W/"30"', 3, false],
    ['3', 3, true],
    ['W/"x"', 3, false],
  ])('%s vs %d -> %p', (header, version, ok) => expect(etagMatches(header, version)).toBe(ok))
  test('format', () => expect(etag(12)).toBe('W/"12"'))
})

describe('RateLimiter', () => {
  test('a burst of the limit, then one request per refill interval, with Retry-After', () => {
    let now = 0
    const rl = new RateLimiter(60, () => now)
    for (let i = 0; i < 60; i++) rl.take('a')
    const e = (() => {
      try {
        rl.take('a')
      } catch (err) {
        return err as ScimError & { headers: Record<string, string> }
      }
    })()
    expect(e?.status).toBe(429)
    expect(e?.headers['retry-after']).toBe('1')
    now += 1000
    rl.take('a')
    rl.take('b') // another key has its own bucket
  })
  test('0 means no limit', () => {
    const rl = new RateLimiter(0)
    for (let i = 0; i < 10_000; i++) rl.take('a')
  })
})

describe('body checks', () => {
  test('content length and type', () => {
    expect(scimError(() => checkContentLength(new Headers({ 'content-length': '2000' }), 1000))).toEqual({ status: 413, scimType: undefined })
    checkContentLength(new Headers({ 'content-length': '10' }), 1000)
    for (const ok of ['application/json', 'application/scim+json; charset=utf-8', 'application/vnd.api+json']) checkContentType(new Headers({ 'content-type': ok }))
    checkContentType(new Headers())
    expect(scimError(() => checkContentType(new Headers({ 'content-type': 'text/plain' }))).status).toBe(415)
  })

  test.each([
    ['{', 'invalidSyntax'],
    ['', 'invalidSyntax'],
    [`{"a":${'['.repeat(40)}${']'.repeat(40)}}`, 'invalidSyntax'],
    ['{"a":"\\u0000"}', 'invalidValue'],
    ['{"\\u0000":1}', 'invalidValue'],
  ])('parseJson(%p) -> 400 %s', (text, scimType) => {
    expect(scimError(() => parseJson(text))).toEqual({ status: 400, scimType: scimType as 'invalidSyntax' })
  })

  test('checkArrays bounds arrays and Operations separately', () => {
    checkArrays({ emails: Array(100).fill('x') }, 100, 10)
    expect(scimError(() => checkArrays({ emails: Array(101).fill('x') }, 100, 10)).status).toBe(400)
    expect(scimError(() => checkArrays({ Operations: Array(11).fill({}) }, 100, 10)).status).toBe(400)
    checkArrays({ Operations: Array(10).fill({ value: Array(100).fill(1) }) }, 100, 10)
  })
})

describe('errorReply', () => {
  test('an unexpected error is a generic 500: the cause goes to the log, not the client', () => {
    const r = errorReply(new Error('password=secret at db.internal:5432'), silent, 'test')
    expect(r.status).toBe(500)
    expect(JSON.stringify(r.body)).not.toContain('secret')
    expect(r.body).toMatchObject({ status: '500', schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'] })
  })
  test('database unique and data errors are client errors', () => {
    expect(errorReply(Object.assign(new Error('dup'), { code: '23505' }), silent, 't').status).toBe(409)
    expect(errorReply(Object.assign(new Error('bad'), { code: '22P02' }), silent, 't').status).toBe(400)
  })
  test('a lock or statement timeout is 503 with Retry-After: busy, not broken', () => {
    for (const code of ['55P03', '57014']) {
      const r = errorReply(Object.assign(new Error('canceling statement'), { code }), silent, 't')
      expect(r.status).toBe(503)
      expect(r.headers).toEqual({ 'retry-after': '5' })
      expect(r.body).toMatchObject({ status: '503', detail: expect.stringContaining('retry shortly') })
    }
  })
})

describe('list parameters and cursors', () => {
  const limits = { maxFilterLength: 100, defaultCount: 100, maxCount: 1000 }
  const codec = new CursorCodec('k', 60)
  const plan = (qs: string) => planList(USER, paramsFromQuery(new URLSearchParams(qs)), limits, codec, 'org')

  test('defaults, clamping, case-insensitive names', () => {
    expect(plan('').query).toMatchObject({ count: 100, startIndex: 1, descending: false })
    expect(plan('COUNT=5000&startindex=-3').query).toMatchObject({ count: 1000, startIndex: 1 })
    expect(plan('count=-1').query.count).toBe(0)
    const sorted = plan('sortOrder=DESCENDING&sortBy=userName').query
    expect(sorted).toMatchObject({ descending: true })
    expect(sorted.sortBy?.name).toBe('userName')
  })

  test('a cursor round-trips for the same query only, and expires', () => {
    const c = codec.encode({ key: 'k1', id: 'id1' }, plan('').fingerprint)
    expect(plan(`cursor=${encodeURIComponent(c)}`).query.after).toEqual({ key: 'k1', id: 'id1' })
    expect(scimError(() => plan(`cursor=${encodeURIComponent(c)}&sortBy=userName`)).scimType).toBe('invalidCursor')
    expect(scimError(() => planList(USER, { cursor: c }, limits, codec, 'other-org')).scimType).toBe('invalidCursor')
    expect(scimError(() => planList(USER, { cursor: c }, limits, new CursorCodec('other-key', 60), 'org')).scimType).toBe('invalidCursor')
    let now = Date.now()
    const clock = new CursorCodec('k', 60, () => now)
    const fp = planList(USER, {}, limits, clock, 'org').fingerprint
    const old = clock.encode({ key: null, id: 'x' }, fp)
    now += 61_000
    expect(scimError(() => planList(USER, { cursor: old }, limits, clock, 'org')).scimType).toBe('expiredCursor')
  })

  test('a filter too long or with a NUL is invalidFilter', () => {
    expect(scimError(() => plan(`filter=${encodeURIComponent(`userName eq "${'x'.repeat(200)}"`)}`)).scimType).toBe('invalidFilter')
    expect(scimError(() => plan(`filter=${encodeURIComponent('userName eq "\u0000"')}`)).scimType).toBe('invalidFilter')
  })
})
