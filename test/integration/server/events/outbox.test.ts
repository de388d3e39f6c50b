// Every change made through SCIM is one directory event, written in the change's own
// transaction (server/events/outbox.ts); the feed reads them in commit order.
import { beforeAll, describe, expect, test } from 'bun:test'
import { readFeed } from '../../../../server/events/feed'
import { admin, type Reply } from '../../../support'
import { GROUP_SCHEMA, patchBody, scimApp, tenant, uniqueName, userBody } from '../scim/helpers'

type App = Awaited<ReturnType<typeof scimApp>>
type Event = { id: string; type: string; source: Record<string, unknown>; data: any; changes?: Record<string, [unknown, unknown]> }

let t: App
beforeAll(async () => {
  t = await scimApp()
})

/** The organization's events after `after` (all of them by default), through the admin API. */
async function eventsOf(orgId: string, after?: string): Promise<Event[]> {
  const r: Reply = await admin(t.app)('GET', `/organizations/${orgId}/events?limit=1000${after ? `&after=${after}` : ''}`)
  expect(r.status).toBe(200)
  return r.body.items
}

describe('SCIM writes', () => {
  test('each user verb is one event, with the view after it and, for updates, what changed', async () => {
    const { orgId, scim } = await tenant(t.app)
    const userName = uniqueName()
    const created = await scim('POST', '/Users', userBody(userName, { title: 'Engineer' }))
    expect(created.status).toBe(201)
    const id = created.body.id
    let [e] = await eventsOf(orgId)
    expect(e).toMatchObject({ type: 'user.created', source: { kind: 'scim' }, data: { id, userName, title: 'Engineer', active: true, source: 'scim' } })
    expect(e!.id).toMatch(/^evt_\d{16}$/)
    // The event names the SCIM call that made it (the audit log's row).
    const [audit] = await t.sql`select method, status from scim_events where organization_id = ${orgId} and id = ${e!.source.scimEventId as string}::bigint`
    expect(audit).toEqual({ method: 'POST', status: 201 })

    const steps: [string, unknown, string, Record<string, [unknown, unknown]>][] = [
      ['PATCH', patchBody({ op: 'replace', path: 'title', value: 'Manager' }), 'user.updated', { title: ['Engineer', 'Manager'] }],
      ['PATCH', patchBody({ op: 'replace', path: 'active', value: false }), 'user.deactivated', { active: [true, false] }],
      ['PATCH', patchBody({ op: 'replace', path: 'active', value: true }), 'user.reactivated', { active: [false, true] }],
      ['PUT', userBody(userName, { title: 'Director' }), 'user.updated', { title: ['Manager', 'Director'] }],
    ]
    for (const [method, body, type, changes] of steps) {
      const after = e!.id
      expect((await scim(method, `/Users/${id}`, body)).status).toBe(200)
      ;[e] = await eventsOf(orgId, after)
      expect(e).toMatchObject({ type, data: { id }, changes })
    }

    // A write that changes nothing is no event; a refused one neither (its transaction rolled back).
    const last = e!.id
    expect((await scim('PATCH', `/Users/${id}`, patchBody({ op: 'replace', path: 'title', value: 'Director' }))).status).toBe(200)
    expect((await scim('POST', '/Users', userBody(userName))).status).toBe(409)
    expect(await eventsOf(orgId, last)).toEqual([])

    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204)
    ;[e] = await eventsOf(orgId, last)
    expect(e).toMatchObject({ type: 'user.deleted', data: { id, userName, title: 'Director' } })
  })

  test('groups: created with its members, renamed, members added and removed, deleted', async () => {
    const { orgId, scim } = await tenant(t.app)
    const [a, b, c] = await Promise.all([1, 2, 3].map(async () => (await scim('POST', '/Users', userBody())).body.id as string))
    const start = (await eventsOf(orgId)).at(-1)!.id
    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: [{ value: a }, { value: b }] })
    expect(group.status).toBe(201)
    const gid = group.body.id
    let events = await eventsOf(orgId, start)
    expect(events.map((e) => e.type)).toEqual(['group.created', 'group.member_added', 'group.member_added'])
    expect(events[0]).toMatchObject({ data: { id: gid, displayName: 'Engineering', memberCount: 2 } })
    expect(events.slice(1).map((e) => e.data.userId).sort()).toEqual([a, b].sort())

    let last = events.at(-1)!.id
    const patched = await scim('PATCH', `/Groups/${gid}`, patchBody(
      { op: 'replace', path: 'displayName', value: 'Platform' },
      { op: 'add', path: 'members', value: [{ value: c }] },
      { op: 'remove', path: `members[value eq "${a}"]` },
    ))
    expect(patched.status).toBe(204)
    events = await eventsOf(orgId, last)
    expect(events.map((e) => [e.type, e.data.userId ?? e.changes])).toEqual([
      ['group.updated', { displayName: ['Engineering', 'Platform'] }],
      ['group.member_added', c],
      ['group.member_removed', a],
    ])
    last = events.at(-1)!.id
    expect((await scim('DELETE', `/Groups/${gid}`)).status).toBe(204)
    expect(await eventsOf(orgId, last)).toMatchObject([{ type: 'group.deleted', data: { id: gid, displayName: 'Platform' } }])
  })
})

describe('the feed', () => {
  test('pages with after and limit, filters by type, refuses ids it did not issue', async () => {
    const { orgId, scim } = await tenant(t.app)
    for (let i = 0; i < 5; i++) await scim('POST', '/Users', userBody())
    const api = admin(t.app)
    const first = await api('GET', `/organizations/${orgId}/events?limit=2`)
    expect(first.body.items).toHaveLength(2)
    expect(first.body.nextCursor).toBe(first.body.items[1].id)
    const rest = await api('GET', `/organizations/${orgId}/events?after=${first.body.nextCursor}`)
    expect(rest.body.items).toHaveLength(3)
    expect([...first.body.items, ...rest.body.items].map((e: Event) => e.id)).toEqual((await eventsOf(orgId)).map((e) => e.id))
    // Caught up: no items, and the cursor stays where the reader is.
    const end = await api('GET', `/organizations/${orgId}/events?after=${rest.body.nextCursor}`)
    expect(end.body).toEqual({ items: [], nextCursor: rest.body.nextCursor })
    expect((await api('GET', `/organizations/${orgId}/events?types=user.deleted`)).body.items).toEqual([])
    for (const bad of ['after=42', 'after=evt_1', 'types=user.exploded', 'limit=0', 'limit=5000', 'waitSeconds=31']) {
      const r = await api('GET', `/organizations/${orgId}/events?${bad}`)
      expect(r.status).toBe(400)
      expect(r.body.error.code).toBe('invalid_request')
    }
  })

  test('waitSeconds holds the request until an event is committed', async () => {
    const { orgId, scim } = await tenant(t.app)
    const api = admin(t.app)
    const started = performance.now()
    const waiting = api('GET', `/organizations/${orgId}/events?waitSeconds=10`)
    await Bun.sleep(300)
    await scim('POST', '/Users', userBody())
    const r = await waiting
    expect(r.body.items).toMatchObject([{ type: 'user.created' }])
    expect(performance.now() - started).toBeLessThan(5000)
  })

  test('a long poll for some types waits through the others, from `after`, and answers with the first it wants', async () => {
    const { orgId, scim } = await tenant(t.app)
    const api = admin(t.app)
    const first = await scim('POST', '/Users', userBody())
    const [created] = (await api('GET', `/organizations/${orgId}/events`)).body.items
    const waiting = api('GET', `/organizations/${orgId}/events?after=${created.id}&types=user.deleted&waitSeconds=10`)
    let answered = false
    void waiting.then(() => (answered = true))
    await scim('PATCH', `/Users/${first.body.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Boss' }] })
    await scim('POST', '/Users', userBody())
    await Bun.sleep(500)
    expect(answered).toBe(false) // an update and a create are not what it waits for
    await scim('DELETE', `/Users/${first.body.id}`)
    const r = await waiting
    expect(r.status).toBe(200)
    expect(r.body.items).toMatchObject([{ type: 'user.deleted', data: { id: first.body.id } }])
  })

  test('concurrent writers and a resuming reader: every event once, in commit order, numbers without gaps', async () => {
    const { orgId, scim } = await tenant(t.app)
    const WRITERS = 8
    const PER_WRITER = 150
    let total = Infinity // known once the writers are done
    const seen: Event[] = []
    const reader = (async () => {
      let after: string | undefined
      // Reads pages of 7 while the writers commit, out of order across connections.
      while (seen.length < total) {
        const page = await readFeed(t.sql, orgId, { after, limit: 7 })
        seen.push(...(page.items as unknown as Event[]))
        after = page.nextCursor ?? undefined
        if (!page.items.length) await Bun.sleep(5)
      }
    })()
    await Promise.all(
      Array.from({ length: WRITERS }, async () => {
        for (let i = 0; i < PER_WRITER; i++) {
          const created = await scim('POST', '/Users', userBody())
          expect(created.status).toBe(201)
          if (i % 3 === 0) await scim('PATCH', `/Users/${created.body.id}`, patchBody({ op: 'replace', path: 'title', value: `t${i}` }))
        }
      }),
    )
    const expected = (await t.sql<{ n: number }[]>`select count(*)::int as n from directory_events where organization_id = ${orgId}`)[0]!.n
    total = expected
    await reader
    // Every event once: the numbers are 1..n with nothing missing or repeated.
    expect(seen.map((e) => Number(e.id.slice(4)))).toEqual(Array.from({ length: expected }, (_, i) => i + 1))
    expect(seen.filter((e) => e.type === 'user.created')).toHaveLength(WRITERS * PER_WRITER)
    // A user's update never comes before its creation.
    const createdAt = new Map(seen.filter((e) => e.type === 'user.created').map((e, i) => [e.data.id, i]))
    seen.forEach((e, i) => e.type === 'user.updated' && expect(createdAt.get(e.data.id)!).toBeLessThan(i))
  }, 60_000)
})

describe('a user\'s history', () => {
  test('what changed, when, and by which SCIM call, newest first; another organization\'s key sees nothing', async () => {
    const { scim } = await tenant(t.app)
    const created = await scim('POST', '/Users', userBody(uniqueName(), { title: 'A' }), { 'user-agent': 'Okta SCIM Client 1.0' })
    const id = created.body.id
    await scim('PATCH', `/Users/${id}`, patchBody({ op: 'replace', path: 'active', value: false }))
    const api = admin(t.app)
    const r = await api('GET', `/users/${id}/history`)
    expect(r.status).toBe(200)
    expect(r.body.items.map((e: Event) => e.type)).toEqual(['user.deactivated', 'user.created'])
    expect(r.body.items[0]).toMatchObject({ changes: { active: [true, false] }, scimCall: { method: 'PATCH', path: `/api/connect/v1/scim/2.0/Users/${id}`, status: 200 } })
    expect(r.body.items[1]).toMatchObject({ scimCall: { method: 'POST', status: 201, userAgent: 'Okta SCIM Client 1.0' } })
    const page = await api('GET', `/users/${id}/history?limit=1`)
    expect(page.body.items).toHaveLength(1)
    const last = await api('GET', `/users/${id}/history?cursor=${page.body.nextCursor}&limit=1`)
    expect(last.body.items.map((e: Event) => e.type)).toEqual(['user.created'])
    // That page is full and the last: no cursor to an empty page.
    expect(last.body.nextCursor).toBeNull()
    expect((await api('GET', `/users/${id}/history?limit=2`)).body.nextCursor).toBeNull()
    expect((await api('GET', `/users/${crypto.randomUUID()}/history`)).status).toBe(404)
  })
})
