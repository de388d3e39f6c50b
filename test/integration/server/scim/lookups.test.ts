// Point lookups (`GET /Users/{id}`, `GET /Users?filter=userName eq "…"`) are merged into
// one statement when they arrive together (server/db/coalesce.ts). Merging must change
// nothing a client can see: every request gets its own organization's user, the same
// body the general list path gives, and every write committed before it.
import { beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { CAMEL_COLUMNS } from '../../../../server/db/client'
import { getGroup } from '../../../../server/groups/store'
import { getUser, userByName } from '../../../../server/users/store'
import { ENTERPRISE, GROUP_SCHEMA, expectError, scimApp, tenant, uniqueName, userBody } from './helpers'

type Tenant = Awaited<ReturnType<typeof tenant>>
type User = { id: string; userName: string }

let a: Tenant
let b: Tenant
let aUsers: User[]
let bUsers: User[]
// The same userName in both organizations, as two different users.
const shared = uniqueName('shared')
let aShared: User
let bShared: User

const q = encodeURIComponent
const byName = (t: Tenant, userName: string) => t.scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)

beforeAll(async () => {
  const { app } = await scimApp()
  a = await tenant(app)
  b = await tenant(app)
  const create = async (t: Tenant, userName: string) => (await t.scim('POST', '/Users', userBody(userName))).body as User
  aUsers = await Promise.all(Array.from({ length: 25 }, () => create(a, uniqueName('a'))))
  bUsers = await Promise.all(Array.from({ length: 25 }, () => create(b, uniqueName('b'))))
  aShared = await create(a, shared)
  bShared = await create(b, shared)
})

describe('concurrent point lookups from two organizations', () => {
  test('each request gets its own organization’s user, or nothing', async () => {
    const checks: Promise<void>[] = []
    for (const [me, mine, theirs, myShared] of [
      [a, aUsers, bUsers, aShared],
      [b, bUsers, aUsers, bShared],
    ] as const) {
      for (const u of mine) {
        checks.push(byName(me, u.userName.toUpperCase()).then((r) => expect(r.body.Resources.map((x: User) => x.id)).toEqual([u.id])))
        checks.push(me.scim('GET', `/Users/${u.id}`).then((r) => expect([r.status, r.body.id]).toEqual([200, u.id])))
      }
      for (const u of theirs) {
        checks.push(byName(me, u.userName).then((r) => expect([r.status, r.body.totalResults, r.body.Resources]).toEqual([200, 0, []])))
        checks.push(me.scim('GET', `/Users/${u.id}`).then((r) => void expectError(r, 404)))
      }
      checks.push(byName(me, shared).then((r) => expect(r.body.Resources.map((x: User) => x.id)).toEqual([myShared.id])))
      checks.push(byName(me, `nobody-${crypto.randomUUID()}@example.com`).then((r) => expect(r.body.totalResults).toBe(0)))
      checks.push(me.scim('GET', `/Users/${crypto.randomUUID()}`).then((r) => void expectError(r, 404)))
    }
    await Promise.all(checks)
    expect(checks.length).toBe(2 * (25 * 4 + 3))
  })

  test('values that look like SQL or arrays are looked up as plain strings', async () => {
    const odd = [`o'brien-${crypto.randomUUID()}@example.com`, `{"a","b"}-${crypto.randomUUID()}`, `x", "y-${crypto.randomUUID()}`, `ünïcødé-${crypto.randomUUID()}`]
    const created = await Promise.all(odd.map(async (n) => (await a.scim('POST', '/Users', userBody(n))).body as User))
    const found = await Promise.all([...odd, ...odd].map((n) => a.scim('POST', '/Users/.search', { filter: `userName eq ${JSON.stringify(n)}` })))
    expect(found.map((r) => r.body.Resources[0]?.id)).toEqual([...created, ...created].map((u) => u.id))
  })
})

describe('concurrent group reads by id', () => {
  test('each gets its own organization’s group, with members only when asked', async () => {
    const group = async (t: Tenant, members: User[]) =>
      (await t.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `g-${crypto.randomUUID()}`, members: members.map((m) => ({ value: m.id })) })).body as { id: string }
    const aGroups = await Promise.all(aUsers.slice(0, 10).map((u, i) => group(a, aUsers.slice(i, i + 3))))
    const bGroups = await Promise.all(bUsers.slice(0, 10).map((u, i) => group(b, bUsers.slice(i, i + 2))))
    const checks: Promise<void>[] = []
    for (const [me, mine, theirs, size] of [[a, aGroups, bGroups, 3], [b, bGroups, aGroups, 2]] as const) {
      for (const g of mine) {
        checks.push(me.scim('GET', `/Groups/${g.id}`).then((r) => expect([r.status, r.body.id, r.body.members.length]).toEqual([200, g.id, size])))
        checks.push(me.scim('GET', `/Groups/${g.id}?excludedAttributes=members`).then((r) => expect([r.status, r.body.id, r.body.members]).toEqual([200, g.id, undefined])))
      }
      for (const g of theirs) checks.push(me.scim('GET', `/Groups/${g.id}`).then((r) => void expectError(r, 404)))
    }
    await Promise.all(checks)
    expect(checks.length).toBe(2 * 30)
  })
})

describe('the lookup path answers as the general list path does', () => {
  test('same body, groups and manager included; projections and count=0 respected', async () => {
    const manager = (await a.scim('POST', '/Users', userBody(uniqueName('boss'), { displayName: 'The Boss' }))).body as User
    const userName = uniqueName('report')
    const user = (await a.scim('POST', '/Users', userBody(userName, { [ENTERPRISE]: { manager: { value: manager.id } } }))).body as User
    await a.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `team-${crypto.randomUUID()}`, members: [{ value: user.id }] })
    // `and userName pr` keeps the same answer but takes the general path (selectPage).
    for (const extra of ['', '&attributes=userName', '&excludedAttributes=groups', '&attributes=groups,emails', '&count=0', '&count=1']) {
      const fast = await a.scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}${extra}`)
      const general = await a.scim('GET', `/Users?filter=${q(`userName eq "${userName}" and userName pr`)}${extra}`)
      expect(fast.status).toBe(200)
      expect(fast.body).toEqual(general.body)
    }
    const one = (await byName(a, userName)).body.Resources[0]
    expect(one.groups).toHaveLength(1)
    expect(one[ENTERPRISE].manager).toMatchObject({ value: manager.id, displayName: 'The Boss' })
  })

  test('a lookup sees every write committed before it', async () => {
    for (let i = 0; i < 20; i++) {
      const userName = uniqueName('fresh')
      const [before] = await Promise.all([byName(a, userName), ...aUsers.slice(0, 5).map((u) => byName(a, u.userName))])
      expect(before!.body.totalResults).toBe(0)
      const created = (await a.scim('POST', '/Users', userBody(userName))).body as User
      const [after, byId] = await Promise.all([byName(a, userName), a.scim('GET', `/Users/${created.id}`), ...aUsers.slice(0, 5).map((u) => byName(a, u.userName))])
      expect(after!.body.Resources.map((x: User) => x.id)).toEqual([created.id])
      expect(byId!.status).toBe(200)
      await a.scim('DELETE', `/Users/${created.id}`)
      expectError(await a.scim('GET', `/Users/${created.id}`), 404)
    }
  })
})

describe('the store merges concurrent lookups on the pool, never in a transaction', () => {
  test('100 lookups at once take a handful of statements, each answer right', async () => {
    const statements: string[] = []
    const spied = postgres(process.env.DATABASE_URL!, { max: 4, transform: CAMEL_COLUMNS, debug: (_conn, text) => void statements.push(text) })
    try {
      const names = [...aUsers, ...aUsers].map((u) => u.userName)
      const ids = [...aUsers, ...aUsers].map((u) => u.id)
      const [pages, stored] = await Promise.all([
        Promise.all(names.map((n) => userByName(spied, a.orgId, n))),
        Promise.all(ids.map((id) => getUser(spied, a.orgId, id))),
      ])
      expect(pages.map((p) => p?.id)).toEqual(ids)
      expect(stored.map((s) => s?.id)).toEqual(ids)
      const lookups = statements.filter((s) => s.includes('as k(key, i)'))
      expect(lookups.length).toBeGreaterThan(0)
      expect(lookups.length).toBeLessThanOrEqual(10)

      // More than one statement holds (512 keys): split, padded, every answer in its place.
      statements.length = 0
      const many = Array.from({ length: 1100 }, (_, i) => (i % 3 === 0 ? crypto.randomUUID() : aUsers[i % aUsers.length]!.id))
      const found = await Promise.all(many.map((id) => getUser(spied, a.orgId, id)))
      expect(found.map((s) => s?.id)).toEqual(many.map((id, i) => (i % 3 === 0 ? undefined : id)))
      expect(statements.filter((s) => s.includes('as k(key, i)')).length).toBeGreaterThanOrEqual(3)

      // Lookups asking for other columns never share a statement: each row has what it asked for.
      const [group] = await spied<{ id: string }[]>`
        insert into groups (organization_id, display_name) values (${a.orgId}, ${`g-${crypto.randomUUID()}`}) returning id`
      const [member] = await spied<{ id: string }[]>`
        insert into users (organization_id, user_name, source) values (${a.orgId}, ${uniqueName('member')}, 'scim') returning id`
      await spied`insert into group_members (organization_id, group_id, user_id) values (${a.orgId}, ${group!.id}, ${member!.id})`
      const asks = Array.from({ length: 40 }, (_, i) => i % 2 === 1)
      const groups = await Promise.all(asks.map((members) => getGroup(spied, a.orgId, group!.id, { members })))
      expect(groups.map((g) => (g?.resource.members as unknown[] | undefined)?.length)).toEqual(asks.map((members) => (members ? 1 : undefined)))
      const withUserGroups = await Promise.all(asks.map((groups) => getUser(spied, a.orgId, member!.id, { groups })))
      expect(withUserGroups.map((u) => (u?.resource.groups as unknown[] | undefined)?.length)).toEqual(asks.map((groups) => (groups ? 1 : undefined)))

      // In a transaction, a lookup sees the transaction's own write.
      statements.length = 0
      const userName = uniqueName('in-tx')
      await spied.begin(async (tx) => {
        await tx`insert into users (organization_id, user_name, source) values (${a.orgId}, ${userName}, 'scim')`
        expect((await userByName(tx, a.orgId, userName))?.resource.userName).toBe(userName)
        throw new Error('roll back')
      }).catch((e: Error) => expect(e.message).toBe('roll back'))
      expect(await userByName(spied, a.orgId, userName)).toBeUndefined()
    } finally {
      await spied.end()
    }
  })
})
