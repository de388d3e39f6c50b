// /Groups over HTTP: CRUD, members (value, $ref, display, type), set-based membership
// PATCH at scale, excludedAttributes=members, and validation of member ids.
import { beforeAll, describe, expect, test } from 'bun:test'
import { countOf, GROUP_SCHEMA, expectError, patchBody, scimApp, tenant, userBody, type Send } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let scim: Send
let orgId: string
beforeAll(async () => {
  ;({ app, sql } = await scimApp())
  ;({ scim, orgId } = await tenant(app))
})

const group = (displayName: string, extra: Record<string, unknown> = {}) => ({ schemas: [GROUP_SCHEMA], displayName, ...extra })
const newUser = async (extra: Record<string, unknown> = {}) => (await scim('POST', '/Users', userBody(undefined, extra))).body
const memberIds = async (groupId: string) =>
  (await sql`select user_id from group_members where organization_id = ${orgId} and group_id = ${groupId} order by user_id`).map((r) => r.userId)

describe('Groups CRUD', () => {
  test('POST with members -> 201, members carry value, $ref, display and type', async () => {
    const a = await newUser({ displayName: 'Alice' })
    const b = await newUser()
    const r = await scim('POST', '/Groups', group('Engineering', { externalId: 'g-ext', members: [{ value: a.id }, { value: b.id, display: 'ignored' }] }))
    expect(r.status).toBe(201)
    expect(r.headers.get('location')).toBe(`http://localhost/api/connect/v1/scim/2.0/Groups/${r.body.id}`)
    expect(r.headers.get('etag')).toBe('W/"1"')
    expect(r.body).toMatchObject({ schemas: [GROUP_SCHEMA], displayName: 'Engineering', externalId: 'g-ext', meta: { resourceType: 'Group', version: 'W/"1"' } })
    expect(r.body.members).toHaveLength(2)
    expect(r.body.members).toContainEqual({ value: a.id, $ref: `http://localhost/api/connect/v1/scim/2.0/Users/${a.id}`, display: 'Alice', type: 'User' })
    expect(r.body.members).toContainEqual({ value: b.id, $ref: `http://localhost/api/connect/v1/scim/2.0/Users/${b.id}`, display: b.userName, type: 'User' })
  })

  test('POST without displayName is 400; with an unknown member is 400 naming it, nothing stored', async () => {
    expectError(await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA] }), 400, 'invalidValue')
    const ghost = crypto.randomUUID()
    const name = `ghosts-${crypto.randomUUID()}`
    const e = expectError(await scim('POST', '/Groups', group(name, { members: [{ value: ghost }, { value: 'not-a-uuid' }] })), 400, 'invalidValue')
    expect(e.detail).toContain('not-a-uuid')
    expect(await sql`select 1 from groups where organization_id = ${orgId} and display_name = ${name}`).toHaveLength(0)
    const e2 = expectError(await scim('POST', '/Groups', group(name, { members: [{ value: ghost }] })), 400, 'invalidValue')
    expect(e2.detail).toContain(ghost)
  })

  test('GET, list, excludedAttributes=members does not load members', async () => {
    const u = await newUser()
    const g = await scim('POST', '/Groups', group(`Listed-${crypto.randomUUID()}`, { members: [{ value: u.id }] }))
    expect((await scim('GET', `/Groups/${g.body.id}`)).body.members).toHaveLength(1)
    const filtered = await scim('GET', `/Groups?filter=${encodeURIComponent(`displayName eq "${g.body.displayName}"`)}&excludedAttributes=members`)
    expect(filtered.status).toBe(200)
    expect(filtered.body.totalResults).toBe(1)
    expect(filtered.body.Resources[0].members).toBeUndefined()
    expect(filtered.body.Resources[0].id).toBe(g.body.id)
    expect((await scim('GET', `/Groups/${g.body.id}?excludedAttributes=members`)).body.members).toBeUndefined()
  })

  test('PUT replaces displayName; members given replace all, members omitted are kept', async () => {
    const [a, b] = [await newUser(), await newUser()]
    const g = await scim('POST', '/Groups', group('Before', { members: [{ value: a.id }] }))
    const kept = await scim('PUT', `/Groups/${g.body.id}`, group('After'))
    expect(kept.status).toBe(200)
    expect(kept.body.displayName).toBe('After')
    expect(kept.body.members.map((m: { value: string }) => m.value)).toEqual([a.id])
    const replaced = await scim('PUT', `/Groups/${g.body.id}`, group('After', { members: [{ value: b.id }] }))
    expect(replaced.body.members.map((m: { value: string }) => m.value)).toEqual([b.id])
    expect(replaced.body.meta.version).toBe('W/"3"')
    const emptied = await scim('PUT', `/Groups/${g.body.id}`, group('After', { members: [] }))
    expect(emptied.body.members).toBeUndefined()
  })

  test('DELETE -> 204, then 404; the users stay', async () => {
    const u = await newUser()
    const g = await scim('POST', '/Groups', group('Doomed', { members: [{ value: u.id }] }))
    expect((await scim('DELETE', `/Groups/${g.body.id}`)).status).toBe(204)
    expectError(await scim('GET', `/Groups/${g.body.id}`), 404)
    expect((await scim('GET', `/Users/${u.id}`)).status).toBe(200)
    expect(await memberIds(g.body.id)).toEqual([])
  })
})

describe('membership PATCH', () => {
  test('add and remove by value list (Entra); 204 with the new ETag', async () => {
    const [a, b] = [await newUser(), await newUser()]
    const g = await scim('POST', '/Groups', group('Team'))
    const add = await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'Add', path: 'members', value: [{ value: a.id }, { value: b.id }] }))
    expect(add.status).toBe(204)
    expect(add.headers.get('etag')).toBe('W/"2"')
    expect(await memberIds(g.body.id)).toEqual([a.id, b.id].sort())
    const again = await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'Add', path: 'members', value: [{ value: a.id }] }))
    expect(again.headers.get('etag')).toBe('W/"2"') // already a member: no change, no new version
    const remove = await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'Remove', path: 'members', value: [{ value: a.id }] }))
    expect(remove.status).toBe(204)
    expect(await memberIds(g.body.id)).toEqual([b.id])
  })

  test('remove by filter, replace all, remove all', async () => {
    const [a, b, c] = [await newUser(), await newUser(), await newUser()]
    const g = await scim('POST', '/Groups', group('Ops', { members: [{ value: a.id }, { value: b.id }] }))
    await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'remove', path: `members[value eq "${a.id}"]` }))
    expect(await memberIds(g.body.id)).toEqual([b.id])
    await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'replace', path: 'members', value: [{ value: c.id }, { value: a.id }] }))
    expect(await memberIds(g.body.id)).toEqual([a.id, c.id].sort())
    await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'remove', path: 'members' }))
    expect(await memberIds(g.body.id)).toEqual([])
  })

  test('attributes= on a PATCH asks for the resource back (200)', async () => {
    const u = await newUser()
    const g = await scim('POST', '/Groups', group('Echo'))
    const r = await scim('PATCH', `/Groups/${g.body.id}?attributes=members,displayName`, patchBody({ op: 'add', path: 'members', value: [{ value: u.id }] }))
    expect(r.status).toBe(200)
    expect(r.body.members.map((m: { value: string }) => m.value)).toEqual([u.id])
  })

  test('adding an id that is not a user of the organization is 400 naming it; nothing is applied', async () => {
    const u = await newUser()
    const other = await tenant(app)
    const foreign = (await other.scim('POST', '/Users', userBody())).body
    const g = await scim('POST', '/Groups', group('Strict'))
    const e = expectError(
      await scim('PATCH', `/Groups/${g.body.id}`, patchBody(
        { op: 'replace', path: 'displayName', value: 'Renamed' },
        { op: 'add', path: 'members', value: [{ value: u.id }, { value: foreign.id }] },
      )),
      400,
      'invalidValue',
    )
    expect(e.detail).toContain(foreign.id)
    expect(await memberIds(g.body.id)).toEqual([])
    expect((await scim('GET', `/Groups/${g.body.id}`)).body).toMatchObject({ displayName: 'Strict', meta: { version: 'W/"1"' } })
  })

  test('the error names the first few of many unknown ids and counts the rest', async () => {
    const g = await scim('POST', '/Groups', group('Many'))
    const ghosts = Array.from({ length: 12 }, () => ({ value: crypto.randomUUID() }))
    const e = expectError(await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'add', path: 'members', value: ghosts })), 400, 'invalidValue')
    expect(e.detail).toContain(ghosts[0]!.value)
    expect(e.detail).toContain('and 7 more')
  })

  test('10,000 members in one PATCH, in one transaction', async () => {
    const ids: string[] = (
      await sql`
        insert into users (organization_id, user_name)
        select ${orgId}, 'bulk-' || g || '-' || ${crypto.randomUUID()} from generate_series(1, 10000) g
        returning id`
    ).map((r) => r.id)
    const g = await scim('POST', '/Groups', group('Everyone'))
    const started = performance.now()
    const r = await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'Add', path: 'members', value: ids.map((value) => ({ value })) }))
    const ms = performance.now() - started
    console.log(`10,000-member PATCH: ${ms.toFixed(0)} ms`)
    expect(r.status).toBe(204)
    expect(r.headers.get('etag')).toBe('W/"2"')
    const n = await countOf(sql`select count(*)::int as n from group_members where organization_id = ${orgId} and group_id = ${g.body.id}`)
    expect(n).toBe(10_000)
    expect(ms).toBeLessThan(10_000)
    // The list with members excluded never touches them; with members, all 10,000 come back.
    const full = await scim('GET', `/Groups/${g.body.id}`)
    expect(full.body.members).toHaveLength(10_000)
    // One unknown id among 10,000 leaves the membership as it was.
    const more = [...ids.slice(0, 9_999).map((value) => ({ value })), { value: crypto.randomUUID() }]
    const g2 = await scim('POST', '/Groups', group('Almost'))
    expectError(await scim('PATCH', `/Groups/${g2.body.id}`, patchBody({ op: 'Add', path: 'members', value: more })), 400, 'invalidValue')
    expect(await memberIds(g2.body.id)).toEqual([])
  }, 60_000)

  test('PATCH on members sub-attributes or with an unsupported filter is a clear 400', async () => {
    const g = await scim('POST', '/Groups', group('Rules'))
    expectError(await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'replace', path: 'members.display', value: 'x' })), 400, 'mutability')
    expectError(await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'remove', path: 'members[display co "x"]' })), 400, 'invalidFilter')
  })

  test('a user\'s groups follow membership PATCHes', async () => {
    const u = await newUser()
    const g = await scim('POST', '/Groups', group('Follow'))
    await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'add', path: 'members', value: [{ value: u.id }] }))
    expect((await scim('GET', `/Users/${u.id}`)).body.groups.map((x: { value: string }) => x.value)).toEqual([g.body.id])
    await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'remove', path: 'members', value: [{ value: u.id }] }))
    expect((await scim('GET', `/Users/${u.id}`)).body.groups).toBeUndefined()
  })

  test('filter users by group membership, and groups by member', async () => {
    const u = await newUser()
    const g = await scim('POST', '/Groups', group(`ByMember-${crypto.randomUUID()}`, { members: [{ value: u.id }] }))
    const users = await scim('GET', `/Users?filter=${encodeURIComponent(`groups.value eq "${g.body.id}"`)}`)
    expect(users.body.Resources.map((x: { id: string }) => x.id)).toEqual([u.id])
    const groups = await scim('GET', `/Groups?filter=${encodeURIComponent(`members.value eq "${u.id}"`)}&excludedAttributes=members`)
    expect(groups.body.Resources.map((x: { id: string }) => x.id)).toEqual([g.body.id])
  })
})
