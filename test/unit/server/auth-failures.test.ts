import { describe, expect, test } from 'bun:test'
import { AuthFailures, clientKey, CREDENTIAL_FAILURES_PER_MINUTE, FailureBuckets, MAX_KEYS } from '../../../server/auth-failures'
import type { Log } from '../../../server/log'

function clock() {
  let t = 1_000_000
  return { now: () => t, advance: (ms: number) => (t += ms) }
}

describe('FailureBuckets', () => {
  test('perMinute failures in a burst, then a wait until one has refilled', () => {
    const c = clock()
    const b = new FailureBuckets(6, 100, c.now)
    for (let i = 0; i < 6; i++) {
      expect(b.wait('a')).toBe(0)
      b.fail('a')
    }
    expect(b.wait('a')).toBe(10) // one failure every 10 s at 6 a minute
    c.advance(4_000)
    expect(b.wait('a')).toBe(6)
    c.advance(6_000)
    expect(b.wait('a')).toBe(0)
    b.fail('a')
    expect(b.wait('a')).toBe(10)
    expect(b.wait('b')).toBe(0) // keys are independent
  })

  test('a refund takes a failure back; a bucket refunded to full is forgotten', () => {
    const b = new FailureBuckets(2, 100, clock().now)
    b.fail('a')
    b.fail('a')
    expect(b.wait('a')).toBe(30)
    b.refund('a')
    expect(b.wait('a')).toBe(0)
    b.refund('a')
    expect(b.size).toBe(0)
    b.refund('never-failed')
    expect(b.size).toBe(0)
  })

  test('Retry-After is at least a second, even at a high rate', () => {
    const b = new FailureBuckets(600, 100, clock().now)
    for (let i = 0; i < 600; i++) b.fail('a')
    expect(b.wait('a')).toBe(1)
  })

  test('a bucket that has refilled is forgotten when read', () => {
    const c = clock()
    const b = new FailureBuckets(6, 100, c.now)
    b.fail('a')
    expect(b.size).toBe(1)
    c.advance(9_999)
    b.wait('a')
    expect(b.size).toBe(1)
    c.advance(1)
    b.wait('a')
    expect(b.size).toBe(0)
  })

  test('memory is capped: past maxKeys, the least recently failed key is dropped', () => {
    const b = new FailureBuckets(1, 10, clock().now)
    b.fail('first')
    for (let i = 0; i < 9; i++) b.fail(`spray-${i}`)
    b.fail('first') // touched again: now the most recent
    for (let i = 9; i < 1000; i++) {
      b.fail(`spray-${i}`)
      b.fail('first')
    }
    expect(b.size).toBe(10)
    expect(b.wait('first')).toBeGreaterThan(0)
    expect(b.wait('spray-0')).toBe(0) // dropped
    expect(b.wait('spray-999')).toBeGreaterThan(0)
  })
})

test('clientKey: IPv4 as is, IPv6 by its /64', () => {
  expect(clientKey('203.0.113.7')).toBe('203.0.113.7')
  expect(clientKey('2001:db8:1:2::1')).toBe('2001:0db8:0001:0002::/64')
  expect(clientKey('2001:db8:1:2:ffff:ffff:ffff:ffff')).toBe(clientKey('2001:db8:1:2::1'))
  expect(clientKey('2001:db8:1:3::1')).not.toBe(clientKey('2001:db8:1:2::1'))
})

describe('AuthFailures', () => {
  const GOOD = 'good-credential'

  function setup(perMinute = 3) {
    const c = clock()
    const lines: unknown[] = []
    const log = { warn: (msg: string, extra?: unknown) => void lines.push({ msg, extra }) } as unknown as Log
    const failures = new AuthFailures(perMinute, log, c.now)
    let lookUps = 0
    const lookUp = (credential: string) => async () => {
      lookUps++
      return credential.startsWith('good') ? { who: credential } : undefined
    }
    const refuse = (retryAfter: number, message: string) => Object.assign(new Error(message), { retryAfter })
    const check = (ip: string | null, credential: string) => failures.check('test', ip, credential, lookUp(credential), refuse)
    return { c, lines, check, lookUps: () => lookUps, failures }
  }

  const sha256 = (text: string) => new Bun.CryptoHasher('sha256').update(text).digest('hex')

  test('past the budget an address is refused without a lookup; a proven credential from it still gets in; other addresses are not affected', async () => {
    const s = setup()
    expect(await s.check('198.51.100.1', GOOD)).toEqual({ who: GOOD }) // proven here
    for (let i = 0; i < 3; i++) expect(await s.check('203.0.113.7', `bad-${i}`)).toBeUndefined()
    const before = s.lookUps()
    const refused = await s.check('203.0.113.7', 'bad-3').catch((e) => e)
    expect(refused.retryAfter).toBe(20)
    expect(refused.message).toBe('too many failed authentications from this client address; retry after 20 s with a valid credential')
    expect(s.lookUps()).toBe(before)
    expect(await s.check('203.0.113.7', GOOD)).toEqual({ who: GOOD })
    expect(await s.check('198.51.100.1', 'bad-4')).toBeUndefined() // another address: a 401, not a 429
    s.c.advance(20_000)
    expect(await s.check('203.0.113.7', 'bad-5')).toBeUndefined() // one has refilled
  })

  test('a good credential not yet proven here waits like any other, then is never held back', async () => {
    const s = setup()
    for (let i = 0; i < 3; i++) await s.check('203.0.113.7', `bad-${i}`)
    await expect(s.check('203.0.113.7', 'good-new')).rejects.toThrow('retry after 20 s')
    s.c.advance(20_000)
    expect(await s.check('203.0.113.7', 'good-new')).toEqual({ who: 'good-new' })
    expect(await s.check('203.0.113.7', 'good-new')).toEqual({ who: 'good-new' })
  })

  test('with the list of live credentials, a good one not yet proven passes an address over budget, and gives the address nothing back', async () => {
    const s = setup()
    const listed = new Set([sha256('good-new'), sha256('bad-listed')])
    let asked = 0
    s.failures.trust({ has: async (fingerprint) => (asked++, listed.has(fingerprint)) })
    for (let i = 0; i < 3; i++) await s.check('203.0.113.7', `bad-${i}`)
    expect(asked).toBe(0) // not asked while the address is within its budget
    expect(await s.check('203.0.113.7', 'good-new')).toEqual({ who: 'good-new' })
    // Its success is no refund: the next guess is still refused, unread.
    const before = s.lookUps()
    await expect(s.check('203.0.113.7', 'bad-4')).rejects.toThrow('too many failed authentications from this client address')
    expect(s.lookUps()).toBe(before)
    // Listed, but its lookup misses (revoked since the list was read): looked up, answered as unknown.
    expect(await s.check('203.0.113.7', 'bad-listed')).toBeUndefined()
    expect(s.lookUps()).toBe(before + 1)
  })

  test('one credential failing from many addresses is refused by its own, smaller budget', async () => {
    const s = setup(60)
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_MINUTE; i++) await s.check(`203.0.113.${i}`, 'stale')
    const refused = await s.check('198.51.100.1', 'stale').catch((e) => e)
    expect(refused.message).toBe('this credential has failed too often; retry after 6 s with a valid credential')
    expect(await s.check('198.51.100.1', 'another-bad')).toBeUndefined() // that address is fine
  })

  test('concurrent bad credentials from one address get no more lookups than the budget', async () => {
    const failures = new AuthFailures(3, { warn() {} } as unknown as Log, clock().now)
    let lookUps = 0
    const slowMiss = async () => {
      lookUps++
      await Bun.sleep(5)
      return undefined
    }
    const answers = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => failures.check('test', '203.0.113.7', `bad-${i}`, slowMiss, () => new Error('refused'))))
    expect(lookUps).toBe(3)
    expect(answers.filter((a) => a.status === 'rejected')).toHaveLength(17)
  })

  test('a burst with one credential shares one lookup: a new good token is not refused, a bad one counts once', async () => {
    const failures = new AuthFailures(3, { warn() {} } as unknown as Log, clock().now)
    let lookUps = 0
    const slow = (answer: string | undefined) => async () => {
      lookUps++
      await Bun.sleep(5)
      return answer
    }
    const burst = (credential: string, answer: string | undefined) =>
      Promise.all(Array.from({ length: 50 }, () => failures.check('test', '203.0.113.7', credential, slow(answer), () => new Error('refused'))))
    expect(await burst('good', 'holder')).toEqual(Array(50).fill('holder'))
    expect(lookUps).toBe(1)
    expect(await burst('bad', undefined)).toEqual(Array(50).fill(undefined))
    expect(lookUps).toBe(2)
    // The burst counted once: two more failures fit in the budget of three, the next is refused.
    const one = (credential: string) => failures.check('test', '203.0.113.7', credential, slow(undefined), () => new Error('refused'))
    expect(await one('bad-2')).toBeUndefined()
    expect(await one('bad-3')).toBeUndefined()
    await expect(one('bad-4')).rejects.toThrow('refused')
  })

  test('a lookup that fails (database down) is not a failed authentication', async () => {
    const failures = new AuthFailures(1, { warn() {} } as unknown as Log, clock().now)
    const down = async () => {
      throw new Error('database unavailable')
    }
    for (let i = 0; i < 5; i++) await expect(failures.check('test', '203.0.113.7', 'good', down, () => new Error('refused'))).rejects.toThrow('database unavailable')
    expect(await failures.check('test', '203.0.113.7', 'good', async () => 'holder', () => new Error('refused'))).toBe('holder')
  })

  test('a proven credential that fails (revoked) is forgotten and counted again', async () => {
    const failures = new AuthFailures(1, { warn() {} } as unknown as Log, clock().now)
    let valid = true
    let lookUps = 0
    const lookUp = async () => (lookUps++, valid ? 'holder' : undefined)
    const check = (credential: string, find = lookUp) => failures.check('test', '203.0.113.7', credential, find, () => new Error('refused'))
    expect(await check('k')).toBe('holder')
    expect(await check('x', async () => undefined)).toBeUndefined() // the address is now over its budget of 1
    expect(await check('k')).toBe('holder') // proven: looked up all the same
    valid = false
    expect(await check('k')).toBeUndefined()
    const seen = lookUps
    await expect(check('k')).rejects.toThrow('refused')
    expect(lookUps).toBe(seen)
  })

  test('the proven credentials are capped too: the least recently proven is forgotten', async () => {
    const s = setup(1)
    await s.check('198.51.100.1', 'good-0')
    for (let i = 1; i <= MAX_KEYS; i++) await s.check('198.51.100.1', `good-${i}`)
    await s.check('203.0.113.7', 'bad')
    await expect(s.check('203.0.113.7', 'good-0')).rejects.toThrow('retry after')
    expect(await s.check('203.0.113.7', `good-${MAX_KEYS}`)).toEqual({ who: `good-${MAX_KEYS}` })
  })

  test('each refusal is logged at warn, with the address and never the credential', async () => {
    const s = setup(1)
    const secret = 'bad-secret-credential-value'
    await s.check('203.0.113.7', secret)
    await s.check('203.0.113.7', secret).catch(() => {})
    expect(s.lines).toHaveLength(1)
    expect(s.lines[0]).toMatchObject({ msg: 'test: authentication refused (429)', extra: { ip: '203.0.113.7', reason: 'credential', retryAfter: 60 } })
    expect(JSON.stringify(s.lines)).not.toContain(secret)
  })

  test('an unknown address is counted by credential only; 0 turns counting off', async () => {
    const s = setup(2)
    for (let i = 0; i < 5; i++) expect(await s.check(null, `bad-${i}`)).toBeUndefined()
    const off = setup(0)
    for (let i = 0; i < 50; i++) expect(await off.check('203.0.113.7', 'bad')).toBeUndefined()
  })
})
