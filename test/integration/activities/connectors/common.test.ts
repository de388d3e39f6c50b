// What every connector must do against its fake IdP: paging users, groups and members,
// Retry-After, timeouts, and errors that name the provider, the status and what to check.
import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { ConnectorError, type Connector } from '../../../../activities/connectors'
import { cases, drain, drainGroups, drainMembers, failure, type AnyFake } from './cases'

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

    describe('groups', () => {
      const groupStatuses = () => fake.requests.filter((r) => r.path === c.groupsPath).map((r) => r.status)

      test('pages through all groups', async () => {
        fake.populate(3).populateGroups(5, 1).pageSize = 2
        const { groups, pages } = await drainGroups(connect())
        expect(pages).toBe(3)
        expect(groupStatuses()).toEqual([200, 200, 200])
        expect(groups.map((g) => g.externalId)).toEqual(fake.groups.list().map((g) => g.id))
        // The fakes describe even groups only; "" or no description is null.
        expect(groups.slice(0, 2)).toEqual([
          { externalId: fake.groups.list()[0]!.id, displayName: 'Group 1', description: null },
          { externalId: fake.groups.list()[1]!.id, displayName: 'Group 2', description: 'Team 2' },
        ])
      })

      test("pages through all members of a group, by the users' externalIds", async () => {
        fake.populate(7).populateGroups(2, 5).pageSize = 2
        const connector = connect()
        const userIds = new Set((await drain(connector)).users.map((u) => u.externalId))
        const group = fake.groups.list()[1]!.id
        const { userIds: members, pages } = await drainMembers(connector, group)
        expect(pages).toBe(c.membersPaged ? 3 : 1)
        expect(members).toEqual(fake.groups.membersOf(group) as string[])
        expect(members).toHaveLength(5)
        expect(members.every((id) => userIds.has(id))).toBe(true)
      })

      test('no groups is one empty page; a group without members too', async () => {
        const connector = connect()
        expect(await connector.fetchGroupsPage(null)).toEqual({ groups: [], next: null })
        fake.populateGroups(1, 0)
        expect(await connector.fetchMembersPage(fake.groups.list()[0]!.id, null)).toEqual({ userIds: [], next: null })
      })

      test('a 429 with a short Retry-After on a groups page is waited out and retried in-process', async () => {
        fake.populateGroups(2, 0).rateLimitOnce(1)
        const started = performance.now()
        expect((await connect().fetchGroupsPage(null)).groups).toHaveLength(2)
        expect(groupStatuses()).toEqual([429, 200])
        expect(performance.now() - started).toBeGreaterThanOrEqual(900)
      })

      test('a missing permission to read groups is a non-retryable 403 naming it; users still read', async () => {
        fake.populate(2).populateGroups(1, 2).groupsForbidden = true
        const connector = connect()
        expect((await connector.fetchPage(null)).users).toHaveLength(2)
        for (const request of [connector.fetchGroupsPage(null), connector.fetchMembersPage(fake.groups.list()[0]!.id, null)]) {
          const error = await failure(request)
          expect(error).toBeInstanceOf(ConnectorError)
          expect(error).toMatchObject({ provider: c.provider, status: 403, retryable: false })
          expect((error as Error).message).toContain(c.groupPermission)
        }
      })

      test('a 401 on the groups endpoint is non-retryable and says what to check', async () => {
        // Two: connectors with an access token fetch a new one and try once more.
        fake.populateGroups(1, 0).failNext(2, 401)
        const error = await failure(connect().fetchGroupsPage(null))
        expect(error).toMatchObject({ provider: c.provider, status: 401, retryable: false })
        expect((error as Error).message).toMatch(new RegExp(`^${c.provider}: GET ${fake.url}${c.groupsPath} returned 401.*; check the`))
      })

      test('the members of a group that does not exist are a non-retryable 404', async () => {
        const error = await failure(connect().fetchMembersPage('no-such-group', null))
        expect(error).toMatchObject({ provider: c.provider, status: 404, retryable: false })
      })
    })
  })
}
