// A bridge's groups (activities/sync-groups.ts, server/groups/batch.ts) on the real
// worker and Temporal: created, renamed, memberships moved, a group deleted at the source,
// members not provisioned skipped, a SCIM group left alone, events in the sync's
// transaction, counts in the run; and `syncGroups: false`.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { FakeGraph, graphGroup, graphMember, graphUser } from '../../../fixtures/fake-graph'
import { client } from '../../server/scim/helpers'
import { createBridge, eventually, harness, runsOf, untilState, usersOf, type Harness } from './harness'
import { GROUP_SCHEMA } from '../../server/scim/helpers'

let h: Harness
const graph = new FakeGraph().populate(10)
const g = (i: number) => graphGroup(i).id
const u = (i: number) => graphUser(i).id
// Five groups; user 10 is excluded, so it is never a member here; a device is no user.
graph.groups.add(graphGroup(1, { displayName: 'Engineering' }), [u(1), u(2), u(10), graphMember('dev-1', 'device')])
graph.groups.add(graphGroup(2, { displayName: 'Admins' }), [u(3)])
for (const i of [3, 4, 5]) graph.groups.add(graphGroup(i), [u(i + 3)])

let orgId: string
let bridgeId: string

beforeAll(async () => {
  h = await harness('groups')
  const created = await createBridge(h, { provider: 'microsoft-entra', settings: graph.settings(), excludedEmails: ['user10@contoso.com'], maxDeactivationRatio: 0.2 })
  orgId = created.orgId
  bridgeId = created.bridge.id
  await untilState(h, bridgeId, 'active')
})
afterAll(async () => {
  await h?.stop()
  graph.stop()
})

/** This organization's groups, by name, with their members' userNames. */
async function groupsOf() {
  const rows = await h.sql<{ displayName: string; source: string; bridgeId: string | null; members: string[] }[]>`
    select g.display_name, g.source, g.bridge_id,
      coalesce(array_agg(u.user_name order by u.user_name) filter (where u.id is not null), '{}') as members
    from groups g left join group_members m on m.organization_id = g.organization_id and m.group_id = g.id
    left join users u on u.organization_id = m.organization_id and u.id = m.user_id
    where g.organization_id = ${orgId} group by g.organization_id, g.id order by g.display_name`
  return new Map(rows.map((r) => [r.displayName, r]))
}
const name = (i: number) => `user${i}@contoso.onmicrosoft.com`

const syncNow = async () => {
  const before = (await runsOf(h, bridgeId)).length
  expect((await h.api('POST', `/bridges/${bridgeId}/sync`)).status).toBe(200)
  const runs = await eventually(() => runsOf(h, bridgeId), (r) => r.length > before && r[0]!.outcome !== 'running', 'the sync to finish')
  await untilState(h, bridgeId, 'active')
  return runs[0]!
}

test('the first sync creates the groups with their provisioned members, and says so in events and counts', async () => {
  const groups = await groupsOf()
  expect([...groups.keys()]).toEqual(['Admins', 'Engineering', 'Group 3', 'Group 4', 'Group 5'])
  expect(groups.get('Engineering')).toMatchObject({ source: 'bridge', bridgeId, members: [name(1), name(2)] })
  expect(groups.get('Admins')!.members).toEqual([name(3)])
  const [run] = await runsOf(h, bridgeId)
  expect(run).toMatchObject({ groupsCreated: 5, groupsUpdated: 0, groupsDeleted: 0, membershipsAdded: 6, membershipsRemoved: 0 })
  const events = await h.sql<{ type: string; n: number }[]>`
    select type, count(*)::int as n from directory_events where organization_id = ${orgId} and type like 'group.%' and run_id = ${run!.id} group by type order by type`
  expect([...events]).toEqual([{ type: 'group.created', n: 5 }, { type: 'group.member_added', n: 6 }])
  const [created] = await h.sql<{ data: { displayName: string; memberCount: number; source: string } }[]>`
    select data from directory_events where organization_id = ${orgId} and type = 'group.created' and data->>'displayName' = 'Engineering'`
  expect(created!.data).toMatchObject({ displayName: 'Engineering', memberCount: 2, source: 'bridge' })
})

test('an unchanged directory writes nothing; a rename, a member moving between groups and a group gone are reconciled', async () => {
  const events = async () => (await h.sql<{ n: number }[]>`select count(*)::int as n from directory_events where organization_id = ${orgId}`)[0]!.n
  const before = await events()
  expect(await syncNow()).toMatchObject({ groupsCreated: 0, groupsUpdated: 0, groupsDeleted: 0, membershipsAdded: 0, membershipsRemoved: 0 })
  expect(await events()).toBe(before)

  // A SCIM group in the same organization, with a member the bridge manages: never touched.
  const token = (await h.api('POST', `/organizations/${orgId}/scim-configuration/token`)).body.token
  const user1 = (await usersOf(h.sql, orgId)).get(name(1))!.id
  expect((await client(h.app, token)('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Hand-made', members: [{ value: user1 }] })).status).toBe(201)

  graph.groups.add(graphGroup(1, { displayName: 'Platform' }), [u(1), u(10)]) // renamed; user 2 leaves
  graph.groups.add(graphGroup(2, { displayName: 'Admins' }), [u(3), u(2)]) // user 2 joins
  graph.groups.remove(g(5)) // 1 of 5 groups: within maxDeactivationRatio
  const preview = await h.api('POST', `/bridges/${bridgeId}/preview`)
  expect(preview.body.counts).toMatchObject({ groupsCreated: 0, groupsUpdated: 1, groupsDeleted: 1, membershipsAdded: 1, membershipsRemoved: 1 })
  const run = await syncNow()
  expect(run).toMatchObject({ groupsCreated: 0, groupsUpdated: 1, groupsDeleted: 1, membershipsAdded: 1, membershipsRemoved: 1 })
  const groups = await groupsOf()
  expect([...groups.keys()]).toEqual(['Admins', 'Group 3', 'Group 4', 'Hand-made', 'Platform'])
  expect(groups.get('Platform')!.members).toEqual([name(1)])
  expect(groups.get('Admins')!.members).toEqual([name(2), name(3)])
  expect(groups.get('Hand-made')).toMatchObject({ source: 'scim', bridgeId: null, members: [name(1)] })
  const changes = await h.sql<{ type: string; changes: unknown }[]>`
    select type, changes from directory_events where organization_id = ${orgId} and run_id = ${run.id} order by seq`
  expect(changes.map((c) => c.type).sort()).toEqual(['group.deleted', 'group.member_added', 'group.member_removed', 'group.updated'])
  expect(changes.find((c) => c.type === 'group.updated')!.changes).toEqual({ displayName: ['Engineering', 'Platform'] })
})

test('a directory that suddenly lists few of the groups is refused, like a mass deactivation', async () => {
  for (const i of [1, 2, 3, 4]) graph.groups.remove(g(i))
  expect((await h.api('POST', `/bridges/${bridgeId}/preview`)).body.refused).toContain('refusing to delete all 4 groups of this bridge')
  const before = (await runsOf(h, bridgeId)).length
  await h.api('POST', `/bridges/${bridgeId}/sync`)
  const [run] = await eventually(() => runsOf(h, bridgeId), (r) => r.length > before && r[0]!.outcome !== 'running', 'the refused sync')
  expect(run).toMatchObject({ outcome: 'failed' })
  expect(run!.error).toContain('refusing to delete all 4 groups of this bridge')
  expect([...(await groupsOf()).keys()]).toEqual(['Admins', 'Group 3', 'Group 4', 'Hand-made', 'Platform'])
})

test('syncGroups: false leaves groups alone', async () => {
  const other = new FakeGraph().populate(3)
  other.groups.add(graphGroup(9, { displayName: 'Ignored' }), [graphUser(1).id])
  try {
    const created = await createBridge(h, { provider: 'microsoft-entra', settings: other.settings(), syncGroups: false })
    expect(created.bridge.syncGroups).toBe(false)
    await untilState(h, created.bridge.id, 'active')
    const [row] = await h.sql<{ n: number }[]>`select count(*)::int as n from groups where organization_id = ${created.orgId}`
    expect(row!.n).toBe(0)
    expect(other.requests.some((r) => r.path.includes('/groups'))).toBe(false)
  } finally {
    other.stop()
  }
})
