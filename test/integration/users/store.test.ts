// server/users/store.ts directly: the set-based functions the Bridge uses, and the
// rules every writer shares (email derivation, versions, organization scope).
import { beforeAll, describe, expect, test } from 'bun:test'
import { validateResource } from '../../../server/scim/schema/validate'
import { USER } from '../../../server/scim/schema'
import * as Users from '../../../server/users/store'
import { emailOf } from '../../../server/users/model'
import { migratedSql } from '../../support'

let sql: Awaited<ReturnType<typeof migratedSql>>
let orgId: string
let otherOrg: string
const bridgeId = crypto.randomUUID()
const bridge = { source: 'bridge' as const, bridgeId }

beforeAll(async () => {
  sql = await migratedSql()
  const orgs = await sql<{ id: string }[]>`insert into organizations (name) values ('store-a'), ('store-b') returning id`
  orgId = orgs[0]!.id
  otherOrg = orgs[1]!.id
})

const user = (userName: string, extra: Record<string, unknown> = {}) =>
  validateResource(USER, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, ...extra }, 'create')

describe('emailOf', () => {
  test.each([
    [{ userName: 'u', emails: [{ value: 'B@x.io' }, { value: 'P@X.io', primary: true }] }, 'p@x.io'],
    [{ userName: 'u', emails: [{ value: 'First@x.io' }, { value: 'second@x.io' }] }, 'first@x.io'],
    [{ userName: 'Name@Example.com' }, 'name@example.com'],
    [{ userName: 'plain' }, null],
    [{ userName: 'u', emails: [{ type: 'work' }] }, null],
  ])('%j -> %p', (resource, email) => expect(emailOf(resource)).toBe(email))
})

describe('set-based writes', () => {
  test('insertUsers inserts a batch in one statement; taken userNames are skipped, not fatal', async () => {
    const names = Array.from({ length: 300 }, (_, i) => `batch-${i}-${crypto.randomUUID()}@example.com`)
    const inserted = await Users.insertUsers(sql, orgId, names.map((n) => user(n, { externalId: n })), bridge)
    expect(inserted).toHaveLength(300)
    const again = await Users.insertUsers(sql, orgId, [user(names[0]!.toUpperCase()), user(`new-${crypto.randomUUID()}@example.com`)], bridge)
    expect(again).toHaveLength(1)
    const rows = await sql`select source, bridge_id, email, active, version from users where organization_id = ${orgId} and user_name = ${names[5]!}`
    expect(rows[0]).toMatchObject({ source: 'bridge', bridgeId, email: names[5], active: true, version: 1 })
  })

  test('updateUsers replaces changed users only, bumps their version, stays in the organization', async () => {
    const [a, b, c] = await Users.insertUsers(sql, orgId, [1, 2, 3].map((i) => user(`upd-${i}-${crypto.randomUUID()}@example.com`, { title: 'Old' })), bridge)
    const [foreign] = await Users.insertUsers(sql, otherOrg, [user(`foreign-${crypto.randomUUID()}@example.com`, { title: 'Old' })], bridge)
    const updated = await Users.updateUsers(sql, orgId, [
      { id: a!.id, resource: user(a!.userName, { title: 'New', emails: [{ value: 'Moved@Example.com', primary: true }], active: false }) },
      { id: b!.id, resource: user(b!.userName, { title: 'Old' }) }, // unchanged
      { id: foreign!.id, resource: user(foreign!.userName, { title: 'Hijack' }) },
      { id: 'not-a-uuid', resource: user('x') },
    ])
    expect(updated).toEqual([a!.id])
    const got = await Users.getUser(sql, orgId, a!.id)
    expect(got!.version).toBe(2)
    expect(got!.resource).toMatchObject({ title: 'New', active: false, emails: [{ value: 'Moved@Example.com', primary: true }] })
    expect((await sql`select email from users where id = ${a!.id}`)[0]!.email).toBe('moved@example.com')
    expect((await Users.getUser(sql, orgId, b!.id))!.version).toBe(1)
    expect((await Users.getUser(sql, otherOrg, foreign!.id))!.resource.title).toBe('Old')
    expect(c).toBeDefined()
  })

  test('updateUsers onto a taken userName fails the batch with 409', async () => {
    const [a, b] = await Users.insertUsers(sql, orgId, [1, 2].map((i) => user(`clash-${i}-${crypto.randomUUID()}@example.com`)), bridge)
    await expect(Users.updateUsers(sql, orgId, [{ id: b!.id, resource: user(a!.userName) }])).rejects.toMatchObject({ status: 409, scimType: 'uniqueness' })
  })

  test('deactivateUsers flips active ones only, in one statement, within the organization', async () => {
    const rows = await Users.insertUsers(sql, orgId, [1, 2, 3].map((i) => user(`deact-${i}-${crypto.randomUUID()}@example.com`)), bridge)
    const ids = rows.map((r) => r.id)
    expect((await Users.deactivateUsers(sql, orgId, [...ids, 'junk'])).sort()).toEqual([...ids].sort())
    expect(await Users.deactivateUsers(sql, orgId, ids)).toEqual([]) // already inactive: left alone
    expect(await Users.deactivateUsers(sql, otherOrg, ids)).toEqual([])
    const got = await Users.getUser(sql, orgId, ids[0]!)
    expect(got!.resource.active).toBe(false)
    expect(got!.version).toBe(2)
  })

  test('usersByEmail (case-insensitive) and usersOfBridge', async () => {
    const name = `Find.Me-${crypto.randomUUID()}@Example.com`
    await Users.insertUsers(sql, orgId, [user(name)], bridge)
    const found = await Users.usersByEmail(sql, orgId, [name.toUpperCase()])
    expect(found.map((u) => u.resource.userName)).toEqual([name])
    expect(await Users.usersByEmail(sql, otherOrg, [name])).toEqual([])
    const managed = await Users.usersOfBridge(sql, orgId, bridgeId)
    expect(managed.some((u) => u.resource.userName === name && u.active && u.email === name.toLowerCase())).toBe(true)
  })

  test('batches beyond the 65,535 bind-parameter limit go through (one jsonb parameter)', async () => {
    const names = Array.from({ length: 5000 }, (_, i) => `big-${i}-${crypto.randomUUID()}@example.com`)
    const inserted = await Users.insertUsers(sql, orgId, names.map((n) => user(n, { title: 'Old', emails: [{ value: n, primary: true }] })), bridge)
    expect(inserted).toHaveLength(5000)
    const updated = await Users.updateUsers(sql, orgId, inserted.map((u) => ({ id: u.id, resource: user(u.userName, { title: 'New' }) })))
    expect(updated).toHaveLength(5000)
    const [row] = await sql`select title, emails, email from users where id = ${inserted[42]!.id}`
    expect(row).toMatchObject({ title: 'New', emails: [], email: inserted[42]!.userName.toLowerCase() })
  }, 30_000)

  test('everything runs inside a transaction too (sql.begin)', async () => {
    const name = `tx-${crypto.randomUUID()}@example.com`
    await sql
      .begin(async (tx) => {
        await Users.insertUsers(tx, orgId, [user(name)], bridge)
        throw new Error('rollback')
      })
      .catch(() => {})
    expect(await Users.usersByEmail(sql, orgId, [name])).toEqual([])
  })
})
