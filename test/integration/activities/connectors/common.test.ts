// What every connector must do against its fake IdP: paging, Retry-After, timeouts,
// and errors that name the provider, the status and what to check.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { ConnectorError, type Connector } from '../../../../activities/connectors'
import { cases, drain, failure, type AnyFake } from './cases'

for (const c of cases) {
  describe(c.provider, () => {
    let fake: AnyFake
    let connect: (options?: { timeoutMs?: number; allowPrivate?: boolean }) => Connector

    beforeEach(() => {
      ;({ fake, connect } = c.start())
    })
    afterEach(() => fake.stop())

    const apiStatuses = () => fake.requests.filter((r) => r.path === c.usersPath).map((r) => r.status)

    test('pages through the whole directory', async () => {
      const total = c.pageSize * 2 + 7
      fake.populate(total)
      const { users, pages } = await drain(connect())
      expect(pages).toBe(3)
      expect(users).toHaveLength(total)
      expect(new Set(users.map((u) => u.externalId)).size).toBe(total)
      expect(apiStatuses()).toEqual([200, 200, 200])
      expect(users.every((u) => u.email === u.email?.toLowerCase())).toBe(true)
    })

    test('a provider URL on a private address is refused before any request, and is not retried', async () => {
      fake.populate(3)
      const error = await failure(connect({ allowPrivate: false }).fetchPage(null))
      expect(error).toBeInstanceOf(ConnectorError)
      expect(error).toMatchObject({ retryable: false })
      expect((error as Error).message).toContain('loopback, private or link-local')
      expect(fake.requests).toEqual([])
    })

    test('an empty directory is one empty page', async () => {
      expect(await connect().fetchPage(null)).toEqual({ users: [], next: null })
    })

    test('a 429 with a short Retry-After is waited out and retried in-process', async () => {
      fake.populate(3).rateLimitOnce(1)
      const started = performance.now()
      const page = await connect().fetchPage(null)
      expect(page.users).toHaveLength(3)
      expect(apiStatuses()).toEqual([429, 200])
      // A lower bound only: waiting can take longer on a slow machine, never less.
      expect(performance.now() - started).toBeGreaterThanOrEqual(900)
    })

    test('a 429 with a long Retry-After goes back to Temporal with the delay', async () => {
      fake.populate(3).rateLimitOnce(120)
      const error = await failure(connect().fetchPage(null))
      expect(error).toBeInstanceOf(ConnectorError)
      expect(error).toMatchObject({ provider: c.provider, status: 429, retryable: true })
      const { retryAfterMs } = error as ConnectorError
      expect(retryAfterMs).toBeGreaterThan(110_000)
      expect(retryAfterMs).toBeLessThanOrEqual(121_000)
      expect(apiStatuses()).toEqual([429])
    })

    test('a 500 is a retryable error naming the provider and the status', async () => {
      fake.populate(3).failNext(1, 500)
      const error = await failure(connect().fetchPage(null))
      expect(error).toBeInstanceOf(ConnectorError)
      expect(error).toMatchObject({ provider: c.provider, status: 500, retryable: true })
      expect((error as Error).message).toStartWith(`${c.provider}: GET ${fake.url}${c.usersPath} returned 500`)
    })

    test('a 503 without Retry-After is retryable and left to Temporal', async () => {
      fake.populate(3).failNext(1, 503)
      expect(await failure(connect().fetchPage(null))).toMatchObject({ status: 503, retryable: true, retryAfterMs: undefined })
      expect(apiStatuses()).toEqual([503])
    })

    test('bad credentials are a non-retryable 401 that says what to check', async () => {
      fake.populate(3).rejectCredentials = true
      const error = await failure(connect().fetchPage(null))
      expect(error).toMatchObject({ provider: c.provider, status: 401, retryable: false })
      expect((error as Error).message).toMatch(new RegExp(`^${c.provider}: .*returned 401.*; check the`))
    })

    test('a missing permission is a non-retryable 403 that says what to check', async () => {
      fake.populate(3).forbidden = true
      const error = await failure(connect().fetchPage(null))
      expect(error).toMatchObject({ provider: c.provider, status: 403, retryable: false })
      expect((error as Error).message).toMatch(/returned 403.*; check /)
    })

    test('a provider that hangs times out within the configured timeout', async () => {
      fake.populate(3).hangNext(1)
      const started = performance.now()
      const error = await failure(connect({ timeoutMs: 200 }).fetchPage(null))
      expect(error).toMatchObject({ provider: c.provider, retryable: true })
      expect((error as Error).message).toContain('timed out after 200 ms')
      expect(performance.now() - started).toBeLessThan(5_000)
    })

    test("the activity's cancellation is passed through, not turned into a connector error", async () => {
      fake.populate(3).hangNext(1)
      const controller = new AbortController()
      const pending = failure(connect().fetchPage(null, controller.signal))
      setTimeout(() => controller.abort(new Error('activity cancelled')), 50)
      const error = await pending
      expect(error).not.toBeInstanceOf(ConnectorError)
      expect((error as Error).message).toBe('activity cancelled')
    })
  })
}
