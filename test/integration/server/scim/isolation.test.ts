// Tenant isolation: organization A's token never reads, lists, filters, changes or
// deletes organization B's users or groups, even with B's ids in hand.
import { beforeAll, describe, expect, test } from 'bun:test'
import { GROUP_SCHEMA, expectError, patchBody, scimApp, tenant, userBody } from './helpers'

let a: Awaited<ReturnType<typeof tenant>>
let b: Awaited<ReturnType<typeof tenant>>
let bUser: { id: string; userName: string; externalId: string }
let bGroup: { id: string; displayName: string }
let sql: Awaited<ReturnType<typeof scimApp>>['sql']

beforeAll(async () => {
  const t = await scimApp()
  sql = t.sql
  a = await tenant(t.app)
  b = await tenant(t.app)
  await a.scim('POST', '/Users', userBody())
  bUser = (await b.scim('POST', '/Users', userBody(undefined, { externalId: `b-${crypto.randomUUID()}` }))).body
  bGroup = (await b.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `B-only-${crypto.randomUUID()}`, members: [{ value: bUser.id }] })).body
})

const q = encodeURIComponent

describe("org A's token and org B's data", () => {
  test('reads by id are 404', async () => {
    expectError(await a.scim('GET', `/Users/${bUser.id}`), 404)
    expectError(await a.scim('GET', `/Groups/${bGroup.id}`), 404)
  })

  test('lists and filters never include B', async () => {
    const all = await a.scim('GET', '/Users?count=1000')
    expect(all.body.Resources.map((u: { id: string }) => u.id)).not.toContain(bUser.id)
    for (const filter of [
      `userName eq "${bUser.userName}"`,
      `id eq "${bUser.id}"`,
      `externalId eq "${bUser.externalId}"`,
      `groups.value eq "${bGroup.id}"`,
      `userName pr or not (userName pr)`,
    ]) {
      const r = await a.scim('GET', `/Users?filter=${q(filter)}&count=1000`)
      expect(r.status).toBe(200)
      expect(r.body.Resources.map((u: { id: string }) => u.id)).not.toContain(bUser.id)
    }
    const groups = await a.scim('GET', `/Groups?filter=${q(`displayName eq "${bGroup.displayName}" or members.value eq "${bUser.id}"`)}`)
    expect(groups.body.totalResults).toBe(0)
    const search = await a.scim('POST', '/Users/.search', { filter: `userName eq "${bUser.userName}"` })
    expect(search.body.totalResults).toBe(0)
  })

  test('writes are 404 and change nothing', async () => {
    const before = await sql`select version, title from users where id = ${bUser.id}`
    expectError(await a.scim('PUT', `/Users/${bUser.id}`, userBody(bUser.userName, { title: 'pwned' })), 404)
    expectError(await a.scim('PATCH', `/Users/${bUser.id}`, patchBody({ op: 'replace', path: 'title', value: 'pwned' })), 404)
    expectError(await a.scim('DELETE', `/Users/${bUser.id}`), 404)
    expectError(await a.scim('PUT', `/Groups/${bGroup.id}`, { schemas: [GROUP_SCHEMA], displayName: 'pwned' }), 404)
    expectError(await a.scim('PATCH', `/Groups/${bGroup.id}`, patchBody({ op: 'remove', path: 'members' })), 404)
    expectError(await a.scim('DELETE', `/Groups/${bGroup.id}`), 404)
    expect(await sql`select version, title from users where id = ${bUser.id}`).toEqual(before)
    expect((await b.scim('GET', `/Groups/${bGroup.id}`)).body.members).toHaveLength(1)
  })

  test("B's users cannot be put into A's groups, nor touched through A by their externalId", async () => {
    const g = await a.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'A group' })
    expectError(await a.scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'add', path: 'members', value: [{ value: bUser.id }] })), 400, 'invalidValue')
    expectError(await a.scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'x', members: [{ value: bUser.id }] }), 400, 'invalidValue')
    const r = await a.scim('POST', '/Users', userBody(undefined, { externalId: bUser.externalId }))
    expect(r.status).toBe(201)
    expect(r.body.id).not.toBe(bUser.id)
    expect((await b.scim('GET', `/Users/${bUser.id}`)).body.userName).toBe(bUser.userName)
  })

  test("a manager id from B resolves to nothing in A", async () => {
    const r = await a.scim('POST', '/Users', userBody(undefined, { 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { manager: bUser.id } }))
    expect(r.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].manager.displayName).toBeUndefined()
  })

  test("B's cursor is refused by A", async () => {
    const page = await b.scim('GET', '/Users?count=1&cursor=')
    await b.scim('POST', '/Users', userBody())
    const c = (await b.scim('GET', '/Users?count=1&cursor=')).body.nextCursor
    expect(c).toBeString()
    expectError(await a.scim('GET', `/Users?count=1&cursor=${q(c)}`), 400, 'invalidCursor')
    expect(page.status).toBe(200)
  })

  test('guessed ids are 404 whatever their shape', async () => {
    for (const id of ['00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', bUser.id.toUpperCase(), `${bUser.id} `, 'null', '*']) {
      expectError(await a.scim('GET', `/Users/${q(id)}`), 404)
    }
  })
})
