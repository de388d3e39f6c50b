// The directory read API (server/admin/directory.ts, server/directory/reads.ts): users
// and groups in the views change events carry, every filter, cursor pages that meet each
// row once in a stable order, and another organization's ids answering 404 like unknown
// ones. Index use on 100,000 users: test/integration/server/directory/reads.test.ts.
import { beforeAll, describe, expect, test } from 'bun:test'
import { admin, call, createOrg, type Reply } from '../../../support'
import { GROUP_SCHEMA, patchBody, scimApp, tenant, userBody } from '../scim/helpers'

const BASE = '/api/admin/v1'
type App = Awaited<ReturnType<typeof scimApp>>

let t: App
beforeAll(async () => {
  t = await scimApp()
})

const get = (path: string, token?: string): Promise<Reply> => (token ? call(t.app, 'GET', `${BASE}${path}`, { token }) : admin(t.app)('GET', path))

/** Every item of a list, following nextCursor; `between` runs after each page. */
async function everything(path: string, between: () => Promise<unknown> = async () => {}): Promise<any[]> {
  const items: any[] = []
  let cursor: string | null = null
  do {
    const r: Reply = await get(`${path}${path.includes('?') ? '&' : '?'}limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    expect([path, r.status]).toEqual([path, 200])
    expect(r.body.items.length).toBeLessThanOrEqual(2)
    items.push(...r.body.items)
    cursor = r.body.nextCursor
    await between()
  } while (cursor)
  return items
}

const ids = (items: { id: string }[]) => items.map((i) => i.id)
const sorted = (list: string[]) => [...list].sort()

/** Users straight in the database, for the columns SCIM does not set (source, bridge). */
async function insertUsers(orgId: string, rows: { userName: string; displayName?: string; active?: boolean; source?: string; bridgeId?: string }[]): Promise<string[]> {
  const out: string[] = []
  for (const r of rows) {
    const [row] = await t.sql<{ id: string }[]>`
      insert into users (organization_id, user_name, display_name, email, active, source, bridge_id)
      values (${orgId}, ${r.userName}, ${r.displayName ?? null}, ${r.userName.includes('@') ? r.userName.toLowerCase() : null}, ${r.active ?? true}, ${r.source ?? 'scim'}, ${r.bridgeId ?? null})
      returning id`
    out.push(row!.id)
  }
  return out
}

describe('users', () => {
  let orgId: string
  const bridgeId = crypto.randomUUID()
  const u: Record<string, string> = {}
  beforeAll(async () => {
    orgId = await createOrg(t.sql)
    const names = ['alice', 'Alicia', 'bob', 'carol', 'dave', 'a_b', 'axb'] as const
    const made = await insertUsers(orgId, [
      { userName: 'Alice@Example.com', displayName: 'Alice Liddell' },
      { userName: 'alicia', displayName: 'Zed' },
      { userName: 'bob@example.com', displayName: 'Robert', active: false },
      { userName: 'carol@example.com', displayName: 'Carol', source: 'bridge', bridgeId },
      { userName: 'dave@example.com', displayName: 'alistair', source: 'manual', active: false },
      { userName: 'a_b', displayName: 'Underscore' },
      { userName: 'axb', displayName: 'Ex' },
    ])
    names.forEach((n, i) => (u[n] = made[i]!))
  })

  test('the default order is by id; filters alone and combined', async () => {
    const all = await everything(`/organizations/${orgId}/users`)
    expect(ids(all)).toEqual(sorted(Object.values(u)))
    for (const [filter, expected] of [
      ['active=true', ['alice', 'Alicia', 'carol', 'a_b', 'axb']],
      ['active=false', ['bob', 'dave']],
      ['source=scim', ['alice', 'Alicia', 'bob', 'a_b', 'axb']],
      ['source=bridge', ['carol']],
      ['source=manual', ['dave']],
      [`bridgeId=${bridgeId}`, ['carol']],
      [`bridgeId=${crypto.randomUUID()}`, []],
      ['active=false&source=manual', ['dave']],
      // q: a prefix of the userName, the email or the displayName, in any case
      ['q=ALI', ['alice', 'Alicia', 'dave']],
      ['q=alice%40', ['alice']],
      ['q=rob', ['bob']],
      ['q=lice', []],
      // no LIKE: _ and % are themselves
      ['q=a_', ['a_b']],
      ['q=a%25', []],
      ['q=ali&active=true', ['alice', 'Alicia']],
    ] as const) {
      const got = ids(await everything(`/organizations/${orgId}/users?${filter}`))
      expect([filter, got]).toEqual([filter, sorted(expected.map((n) => u[n]!))])
    }
  })

  test('items are the directory view', async () => {
    const r = await get(`/organizations/${orgId}/users?q=carol`)
    expect(r.body).toEqual({ items: [expect.any(Object)], nextCursor: null })
    const [carol] = r.body.items
    expect(Object.keys(carol).sort()).toEqual(
      ['active', 'bridgeId', 'createdAt', 'department', 'displayName', 'emails', 'employeeNumber', 'externalId', 'id', 'manager', 'name', 'organizationId', 'source', 'title', 'updatedAt', 'userName', 'version'].sort(),
    )
    expect(carol).toMatchObject({ id: u.carol, organizationId: orgId, userName: 'carol@example.com', active: true, source: 'bridge', bridgeId, displayName: 'Carol', version: 1 })
  })

  test('paging through everything meets each user once, in id order, while users change between pages', async () => {
    let n = 0
    const all = await everything(`/organizations/${orgId}/users`, async () => {
      // Users already read and users still ahead change: neither moves.
      await t.sql`update users set title = ${`t${n++}`}, version = version + 1, updated_at = now() where organization_id = ${orgId}`
    })
    expect(ids(all)).toEqual(sorted(Object.values(u)))
  })

  test('updatedSince: users updated at or after it, in update order; an update meanwhile moves a user to the end', async () => {
    const base = Date.parse('2030-01-01T00:00:00Z')
    const at = (name: string, ms: number) => t.sql`update users set updated_at = ${new Date(base + ms)} where id = ${u[name]!}`
    // alice and Alicia share a time: the id orders them.
    for (const [name, ms] of [['bob', 1], ['alice', 2], ['Alicia', 2], ['carol', 3], ['dave', 4], ['a_b', -1], ['axb', -2]] as const) await at(name, ms)
    const since = `/organizations/${orgId}/users?updatedSince=${new Date(base).toISOString()}`
    const tie = sorted([u.alice!, u.Alicia!])
    expect(ids(await everything(since))).toEqual([u.bob!, ...tie, u.carol!, u.dave!])
    expect(ids(await everything(`${since}&active=true`))).toEqual([...tie, u.carol!])
    // Microseconds count: a cursor rounded to milliseconds would skip or repeat these.
    await t.sql`update users set updated_at = ${new Date(base + 3)}::timestamptz + interval '1 microsecond' where id = ${u.carol!}`
    let pages = 0
    const seen = await everything(since, async () => {
      if (pages++ === 0) await at('bob', 10)
    })
    expect(ids(seen)).toEqual([u.bob!, ...tie, u.carol!, u.dave!, u.bob!])
    expect(Date.parse(seen.at(-1).updatedAt)).toBe(base + 10)
  })

  test('bad input is a 400 naming the parameter', async () => {
    const first = await get(`/organizations/${orgId}/users?limit=1`)
    const byUpdate = await get(`/organizations/${orgId}/users?limit=1&updatedSince=2000-01-01`)
    for (const [query, message] of [
      ['limit=0', 'limit: must be an integer from 1 to 1000'],
      ['limit=1001', 'limit: must be an integer from 1 to 1000'],
      ['active=yes', 'active: must be true or false'],
      ['source=ldap', 'source: must be scim, bridge or manual'],
      ['bridgeId=x', 'bridgeId: must be a UUID'],
      ['q=', 'q: must not be empty'],
      ['updatedSince=yesterday', 'updatedSince: must be an ISO 8601 date'],
      ['cursor=garbage', 'cursor: not a cursor this list returned without updatedSince'],
      [`cursor=${Buffer.from('["x"]').toString('base64url')}`, 'cursor: not a cursor this list returned without updatedSince'],
      [`cursor=${byUpdate.body.nextCursor}`, 'cursor: not a cursor this list returned without updatedSince'],
      [`updatedSince=2000-01-01&cursor=${first.body.nextCursor}`, 'cursor: not a cursor this list returned with updatedSince'],
      [`cursor=${'A'.repeat(201)}`, 'cursor: is not a cursor returned by this API'],
    ] as const) {
      const r = await get(`/organizations/${orgId}/users?${query}`)
      expect([query, r.status, r.body.error.code, r.body.error.message]).toEqual([query, 400, 'invalid_request', expect.stringContaining(message)])
    }
    // The limit: 100 by default, 1000 at most.
    expect((await get(`/organizations/${orgId}/users?limit=1000`)).status).toBe(200)
  })
})

describe('users and groups written through SCIM', () => {
  test("a user with its groups, in the view its change events carry; groups with members; members' pages", async () => {
    const { orgId, scim } = await tenant(t.app)
    const user = await scim('POST', '/Users', userBody(undefined, { title: 'Engineer', displayName: 'Barbara Jensen' }))
    const others = await Promise.all([1, 2, 3, 4].map(async () => (await scim('POST', '/Users', userBody())).body.id as string))
    const members = [user.body.id as string, ...others]
    const eng = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Engineering', members: members.map((value) => ({ value })) })
    const all = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'All staff', members: [{ value: user.body.id }] })
    const empty = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'empty' })
    expect((await scim('PATCH', `/Users/${user.body.id}`, patchBody({ op: 'replace', path: 'title', value: 'Manager' }))).status).toBe(200)

    const read = await get(`/users/${user.body.id}`)
    expect(read.status).toBe(200)
    const { groups, ...view } = read.body
    expect(groups).toEqual([
      { id: all.body.id, displayName: 'All staff' },
      { id: eng.body.id, displayName: 'Engineering' },
    ])
    const events = (await get(`/organizations/${orgId}/events?limit=1000`)).body.items
    const last = events.filter((e: { type: string; data: { id: string } }) => e.type.startsWith('user.') && e.data.id === user.body.id).at(-1)
    expect(view).toEqual(last.data)
    expect(view).toMatchObject({ title: 'Manager', version: 2, displayName: 'Barbara Jensen' })
    // Times in the one form of the whole API (JavaScript's ISO form), as the event's own occurredAt.
    const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
    expect([view.createdAt, view.updatedAt, last.occurredAt]).toEqual([expect.stringMatching(ISO), expect.stringMatching(ISO), expect.stringMatching(ISO)])
    expect(new Date(view.createdAt).getTime()).toBe(new Date(user.body.meta.created).getTime())
    expect((await get(`/users/${others[0]}`)).body.groups).toEqual([{ id: eng.body.id, displayName: 'Engineering' }])

    const group = await get(`/groups/${eng.body.id}`)
    expect(group.status).toBe(200)
    const groupEvent = events.find((e: { type: string; data: { id: string } }) => e.type === 'group.created' && e.data.id === eng.body.id)
    expect(group.body).toEqual(groupEvent.data)
    expect(group.body).toMatchObject({ displayName: 'Engineering', memberCount: 5, source: 'scim', bridgeId: null })

    const listed = await everything(`/organizations/${orgId}/groups`)
    expect(ids(listed)).toEqual(sorted([eng.body.id, all.body.id, empty.body.id]))
    expect(listed.find((g) => g.id === eng.body.id)).toEqual(group.body)
    expect(ids(await everything(`/organizations/${orgId}/groups?q=ENG`))).toEqual([eng.body.id])
    expect(ids(await everything(`/organizations/${orgId}/groups?q=gineering`))).toEqual([])

    const memberPages = await everything(`/groups/${eng.body.id}/members`)
    expect(ids(memberPages)).toEqual(sorted(members))
    expect(memberPages.find((m) => m.id === user.body.id)).toEqual(view)
    expect(await everything(`/groups/${empty.body.id}/members`)).toEqual([])
    expect((await get(`/groups/${eng.body.id}/members?cursor=nope`)).body.error).toEqual({ code: 'invalid_request', message: 'cursor: not a cursor this list returned without updatedSince' })
  })
})

describe('unknown ids and other organizations', () => {
  test("another organization's users and groups are 404 to a bound key, exactly like unknown ones; its own are not", async () => {
    const a = await tenant(t.app)
    const b = await tenant(t.app)
    const idsOf = async (org: typeof a) => {
      const user = (await org.scim('POST', '/Users', userBody())).body.id as string
      const group = (await org.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'G', members: [{ value: user }] })).body.id as string
      return { user, group }
    }
    const [mine, theirs] = [await idsOf(a), await idsOf(b)]
    const minted = await admin(t.app)('POST', '/api-keys', { name: 'reader', scopes: ['directory:read'], organizationId: a.orgId })
    const key = minted.body.key as string

    const paths = (org: string, x: { user: string; group: string }) => [
      `/users/${x.user}`,
      `/groups/${x.group}`,
      `/groups/${x.group}/members`,
      `/organizations/${org}/users`,
      `/organizations/${org}/groups`,
    ]
    const unknown = { user: crypto.randomUUID(), group: crypto.randomUUID() }
    const theirPaths = paths(b.orgId, theirs)
    const unknownPaths = paths(crypto.randomUUID(), unknown)
    const said = (r: Reply) => (r.body.error.message as string).replaceAll(/[0-9a-f-]{36}/g, '<id>')
    for (const [i, path] of theirPaths.entries()) {
      const bound = await get(path, key)
      const none = await get(unknownPaths[i]!)
      expect([path, bound.status, bound.body.error.code]).toEqual([path, 404, 'not_found'])
      expect([path, none.status, said(none)]).toEqual([path, 404, said(bound)])
      // The root sees them.
      expect([path, (await get(path)).status]).toEqual([path, 200])
    }
    for (const path of paths(a.orgId, mine)) expect([path, (await get(path, key)).status]).toEqual([path, 200])
    expect((await get('/users/not-a-uuid')).status).toBe(400)
  })
})
