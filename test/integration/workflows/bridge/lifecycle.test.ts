// A bridge's life on the real Temporal dev server: first sync, changes, removals,
// exclusions, an unchanged re-sync that writes nothing, search attributes, runs.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { FakeGraph, graphUser } from '../../../fixtures/fake-graph'
import { createBridge, eventually, getBridge, harness, runsOf, untilState, usersOf, type Harness } from './harness'

let h: Harness
const graph = new FakeGraph().populate(10)
graph.directory.update(graphUser(2).id, { managerId: graphUser(1).id })
let orgId: string
let bridgeId: string

beforeAll(async () => {
  h = await harness('lifecycle')
  const created = await createBridge(h, {
    provider: 'microsoft-entra',
    settings: graph.settings(),
    intervalSeconds: 3600,
    excludedEmails: ['USER10@contoso.com'],
    retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 2 },
  })
  orgId = created.orgId
  bridgeId = created.bridge.id
  expect(created.bridge.state).toBe('pending')
})

afterAll(async () => {
  await h?.stop()
  graph.stop()
})

/** The directory events of this organization, oldest first. */
const directoryEvents = () =>
  h.sql<{ type: string; userId: string; source: string; bridgeId: string; runId: string; data: any; changes: any; reason: string | null }[]>`
    select type, user_id, source, bridge_id, run_id, data, changes, reason from directory_events where organization_id = ${orgId} order by seq`

const syncNow = async () => {
  const before = (await runsOf(h, bridgeId)).length
  const res = await h.api('POST', `/bridges/${bridgeId}/sync`)
  expect(res.status).toBe(200)
  expect(res.body.state).toBe('syncing')
  const runs = await eventually(() => runsOf(h, bridgeId), (r) => r.length > before && r[0]!.outcome !== 'running', 'the sync to finish')
  await untilState(h, bridgeId, 'active')
  return runs[0]!
}

test('a new bridge syncs at once: pending -> syncing -> active, users appear, excluded ones do not', async () => {
  const bridge = await untilState(h, bridgeId, 'active')
  expect(bridge).toMatchObject({ consecutiveFailures: 0, lastError: null, workflowId: `bridge-${bridgeId}`, provider: 'microsoft-entra' })
  expect(Date.parse(bridge.nextSyncAt) - Date.parse(bridge.lastSyncAt)).toBe(3600_000)
  expect(bridge.settings).toEqual({ tenantId: graph.tenantId, clientId: graph.clientId, graphBaseUrl: graph.url, loginBaseUrl: graph.url })
  expect(JSON.stringify(bridge)).not.toContain(graph.clientSecret)

  const users = await usersOf(h.sql, orgId)
  expect([...users.keys()].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => `user${i}@contoso.onmicrosoft.com`).sort())
  for (const u of users.values()) expect(u).toMatchObject({ active: true, source: 'bridge' })
  // The manager came on the same page, after or before: resolved to our user id either way.
  expect(users.get('user2@contoso.onmicrosoft.com')!.managerId).toBe(users.get('user1@contoso.onmicrosoft.com')!.id)

  const [run] = await runsOf(h, bridgeId)
  expect(run).toMatchObject({ outcome: 'succeeded', attempt: 1, created: 9, updated: 0, deactivated: 0, excluded: 1, error: null })

  // One user.created per user, committed with the sync, naming the bridge and its run; the
  // manager, resolved at the end of the sync, is a user.updated of its own.
  const events = await directoryEvents()
  const created = events.filter((e) => e.type === 'user.created')
  expect(created.map((e) => e.data.userName).sort()).toEqual([...users.keys()].sort())
  for (const e of events) expect(e).toMatchObject({ source: 'bridge', bridgeId, runId: run!.id })
  expect(created.every((e) => e.userId === e.data.id && users.get(e.data.userName)!.id === e.userId)).toBe(true)
  const managed = events.filter((e) => e.type === 'user.updated')
  expect(managed).toHaveLength(1)
  expect(managed[0]!.changes).toEqual({ manager: [null, { id: users.get('user1@contoso.onmicrosoft.com')!.id }] })
})

test('the workflow carries its search attributes and memo', async () => {
  const query = `BridgeId = "${bridgeId}" AND BridgeState = "active" AND OrganizationId = "${orgId}" AND BridgeProvider = "microsoft-entra"`
  const found = await eventually(async () => {
    const ids: string[] = []
    for await (const wf of h.temporal.client.workflow.list({ query })) ids.push(wf.workflowId)
    return ids
  }, (ids) => ids.length === 1, 'the workflow to be listed')
  expect(found).toEqual([`bridge-${bridgeId}`])
  const description = await h.temporal.client.workflow.getHandle(`bridge-${bridgeId}`).describe()
  expect(description.memo).toMatchObject({ organizationId: orgId, provider: 'microsoft-entra' })
  expect(await h.temporal.client.workflow.getHandle(`bridge-${bridgeId}`).query('state')).toMatchObject({ state: 'active', consecutiveFailures: 0 })
})

test('re-syncing an unchanged directory writes nothing', async () => {
  const before = await usersOf(h.sql, orgId)
  const events = async () => (await h.sql<{ n: number }[]>`select count(*)::int as n from scim_events where organization_id = ${orgId}`)[0]!.n
  const eventsBefore = await events()
  const changesBefore = (await directoryEvents()).length
  const run = await syncNow()
  expect(run).toMatchObject({ outcome: 'succeeded', created: 0, updated: 0, deactivated: 0, unchanged: 9, excluded: 1 })
  const after = await usersOf(h.sql, orgId)
  for (const [name, u] of after) expect(u.version).toBe(before.get(name)!.version)
  expect(await events()).toBe(eventsBefore)
  expect((await directoryEvents()).length).toBe(changesBefore)
})

test('a change in the directory shows up on the next sync, audited with source bridge', async () => {
  graph.directory.update(graphUser(3).id, { jobTitle: 'Manager' })
  const run = await syncNow()
  expect(run).toMatchObject({ created: 0, updated: 1, unchanged: 8 })
  const user = (await usersOf(h.sql, orgId)).get('user3@contoso.onmicrosoft.com')!
  expect(user).toMatchObject({ title: 'Manager', version: 2 })
  const [event] = await h.sql`
    select source, method, path, status, request_body, bridge_id from scim_events
    where organization_id = ${orgId} and user_id = ${user.id} order by id desc limit 1`
  expect(event).toMatchObject({ source: 'bridge', method: 'PATCH', path: `/bridges/${bridgeId}/users/${user.id}`, status: 200, bridgeId })
  expect(JSON.parse(event!.requestBody)).toEqual({ title: 'Manager' })
  expect((await directoryEvents()).at(-1)).toMatchObject({ type: 'user.updated', userId: user.id, changes: { title: ['Engineer', 'Manager'] }, runId: run.id })
})

test('a user removed from the directory is deactivated, never deleted', async () => {
  graph.directory.remove(graphUser(4).id)
  const run = await syncNow()
  expect(run).toMatchObject({ deactivated: 1, unchanged: 8 })
  const user = (await usersOf(h.sql, orgId)).get('user4@contoso.onmicrosoft.com')
  expect(user).toMatchObject({ active: false, source: 'bridge' })
  expect((await directoryEvents()).at(-1)).toMatchObject({ type: 'user.deactivated', userId: user!.id, changes: { active: [true, false] }, runId: run.id, reason: 'missing' })
  // The history says why, for the console's "because the directory no longer has them".
  const history = await h.api('GET', `/users/${user!.id}/history`)
  expect(history.body.items[0]).toMatchObject({ type: 'user.deactivated', source: { kind: 'bridge', bridgeId, runId: run.id }, reason: 'missing' })
  expect(history.body.items.slice(1).every((e: { reason?: string }) => e.reason === undefined)).toBe(true)
})

test('PATCH: a newly excluded user is deactivated; a new interval is picked up', async () => {
  const res = await h.api('PATCH', `/bridges/${bridgeId}`, { excludedEmails: ['user10@contoso.com', 'user3@contoso.com'], intervalSeconds: 600 })
  expect(res.status).toBe(200)
  expect(res.body).toMatchObject({ intervalSeconds: 600, excludedEmails: ['user10@contoso.com', 'user3@contoso.com'] })
  // The next sync comes within the new interval, not the old hour.
  expect(Date.parse(res.body.nextSyncAt) - Date.now()).toBeLessThanOrEqual(600_000)
  const run = await syncNow()
  expect(run).toMatchObject({ deactivated: 1, excluded: 2 })
  expect((await usersOf(h.sql, orgId)).get('user3@contoso.onmicrosoft.com')!.active).toBe(false)
  expect((await directoryEvents()).at(-1)).toMatchObject({ type: 'user.deactivated', runId: run.id, reason: 'excluded' })
  expect(await getBridge(h, bridgeId)).toMatchObject({ retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 2, maxConsecutiveFailures: 10 } })
})

test('a user renamed in the directory is renamed here (same id); a rename onto a taken userName is a conflict', async () => {
  const before = await usersOf(h.sql, orgId)
  graph.directory.update(graphUser(1).id, { userPrincipalName: 'first.one@contoso.onmicrosoft.com' })
  graph.directory.update(graphUser(5).id, { userPrincipalName: 'user6@contoso.onmicrosoft.com' })
  const run = await syncNow()
  expect(run).toMatchObject({ created: 0, updated: 1, conflicts: 1 })
  expect(run.conflictSamples).toEqual([{ externalId: graphUser(5).id, userName: 'user6@contoso.onmicrosoft.com', reason: 'user-name-taken', userId: before.get('user5@contoso.onmicrosoft.com')!.id }])
  const after = await usersOf(h.sql, orgId)
  expect(after.get('first.one@contoso.onmicrosoft.com')!.id).toBe(before.get('user1@contoso.onmicrosoft.com')!.id)
  expect(after.get('user5@contoso.onmicrosoft.com')).toEqual(before.get('user5@contoso.onmicrosoft.com')!)
})
