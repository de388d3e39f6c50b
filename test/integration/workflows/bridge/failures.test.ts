// Failure paths on the real Temporal dev server: the backoff walk to `disabled`, enable,
// pause mid-backoff and resume, sync-now, non-retryable errors, Retry-After, the guard.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { backoffDelayMs } from '../../../../bridge/backoff'
import { FakeGraph } from '../../../fixtures/fake-graph'
import { createBridge, eventually, getBridge, harness, runsOf, untilState, usersOf, type Harness } from './harness'

let h: Harness
const fakes: FakeGraph[] = []
const RETRY = { initialIntervalSeconds: 1, maximumIntervalSeconds: 2 }

beforeAll(async () => {
  h = await harness('failures')
})

afterAll(async () => {
  await h?.stop()
  for (const fake of fakes) fake.stop()
})

function fakeGraph(users = 5) {
  const graph = new FakeGraph().populate(users)
  fakes.push(graph)
  return graph
}

const newBridge = (graph: FakeGraph, retry: Record<string, number> = RETRY) =>
  createBridge(h, { provider: 'microsoft-entra', settings: graph.settings(), intervalSeconds: 3600, retry })

/** The row as an attempt left it: next_sync_at and updated_at come from the same statement. */
async function snapshot(id: string) {
  const [row] = await h.sql<{ state: string; consecutiveFailures: number; delayMs: number | null; lastError: string | null }[]>`
    select state, consecutive_failures, (extract(epoch from next_sync_at - updated_at) * 1000)::int as delay_ms, last_error
    from bridges where id = ${id}`
  return row!
}

async function listed(query: string): Promise<string[]> {
  const ids: string[] = []
  for await (const wf of h.temporal.client.workflow.list({ query })) ids.push(wf.workflowId)
  return ids
}

test('a failing source walks failed x9, is disabled at the 10th failure, and enable brings it back', async () => {
  const graph = fakeGraph()
  graph.failNext(10, 500)
  const { bridge } = await newBridge(graph)

  const seen = new Map<number, Awaited<ReturnType<typeof snapshot>>>()
  await eventually(async () => {
    const s = await snapshot(bridge.id)
    if (s.consecutiveFailures > 0 && !seen.has(s.consecutiveFailures)) seen.set(s.consecutiveFailures, s)
    return s
  }, (s) => s.state === 'disabled', 'the bridge to be disabled', 60_000)

  expect([...seen.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
  for (let n = 1; n <= 9; n++) {
    // Each failed attempt: state failed, the counter, and nextSyncAt = the retry Temporal will make.
    expect(seen.get(n)).toMatchObject({ state: 'failed', delayMs: backoffDelayMs(n, { initialMs: 1000, maximumMs: 2000 }) })
    expect(seen.get(n)!.lastError).toContain('microsoft-entra')
  }
  const disabled = await getBridge(h, bridge.id)
  expect(disabled).toMatchObject({ state: 'disabled', consecutiveFailures: 10, nextSyncAt: null })
  expect(disabled.lastError).toContain('500')
  const runs = await runsOf(h, bridge.id)
  expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map((n) => [n, 'failed']))
  expect(await eventually(() => listed(`BridgeId = "${bridge.id}" AND BridgeState = "disabled"`), (ids) => ids.length === 1, 'BridgeState disabled')).toEqual([`bridge-${bridge.id}`])

  // Disabled: no sync until an admin enables it.
  const refused = await h.api('POST', `/bridges/${bridge.id}/sync`)
  expect(refused.status).toBe(409)
  expect(refused.body.error.message).toBe('the bridge is disabled after 10 consecutive failures: enable it to sync')
  expect((await h.api('POST', `/bridges/${bridge.id}/resume`)).status).toBe(409)

  const enabled = await h.api('POST', `/bridges/${bridge.id}/enable`)
  expect(enabled.status).toBe(200)
  expect(enabled.body).toMatchObject({ state: 'syncing', consecutiveFailures: 0 })
  expect(await untilState(h, bridge.id, 'active')).toMatchObject({ consecutiveFailures: 0, lastError: null })
  expect((await h.api('POST', `/bridges/${bridge.id}/enable`)).status).toBe(409)
}, 90_000)

test('pause stops a bridge mid-backoff; sync is refused while paused; resume continues', async () => {
  const graph = fakeGraph()
  graph.failNext(3, 500)
  const { bridge } = await newBridge(graph, { initialIntervalSeconds: 2, maximumIntervalSeconds: 4 })
  await eventually(() => snapshot(bridge.id), (s) => s.state === 'failed' && s.consecutiveFailures === 1, 'the first failure')

  const paused = await h.api('POST', `/bridges/${bridge.id}/pause`)
  expect(paused.status).toBe(200)
  expect(paused.body).toMatchObject({ state: 'paused', consecutiveFailures: 1, nextSyncAt: null })
  const requests = graph.count('/v1.0/users')
  // Nothing can happen now: Temporal's pending retry is cancelled, and a paused workflow
  // sets no timer (it waits for an admin).
  const workflow = h.temporal.client.workflow.getHandle(bridge.workflowId)
  await eventually(async () => (await workflow.describe()).raw.pendingActivities?.length ?? 0, (n) => n === 0, 'the pending retry to be cancelled')
  const history = (await workflow.fetchHistory()).events ?? []
  const lastTimer = history.findLastIndex((e) => e.timerStartedEventAttributes)
  const pausedAt = history.findLastIndex((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
  expect(lastTimer).toBeLessThan(pausedAt)
  expect(graph.count('/v1.0/users')).toBe(requests)
  expect(await getBridge(h, bridge.id)).toMatchObject({ state: 'paused', consecutiveFailures: 1 })
  expect(await eventually(() => listed(`BridgeId = "${bridge.id}" AND BridgeState = "paused"`), (ids) => ids.length === 1, 'BridgeState paused')).toHaveLength(1)

  const refused = await h.api('POST', `/bridges/${bridge.id}/sync`)
  expect(refused.status).toBe(409)
  expect(refused.body.error).toEqual({ code: 'conflict', message: 'the bridge is paused: resume it to sync' })
  expect((await h.api('POST', `/bridges/${bridge.id}/pause`)).body.state).toBe('paused') // idempotent

  const resumed = await h.api('POST', `/bridges/${bridge.id}/resume`)
  expect(resumed.status).toBe(200)
  expect(resumed.body.state).toBe('syncing')
  // The two failures left are counted on top of the first, then the sync succeeds.
  await eventually(() => snapshot(bridge.id), (s) => s.consecutiveFailures === 3, 'the third failure')
  expect(await untilState(h, bridge.id, 'active')).toMatchObject({ consecutiveFailures: 0 })
  expect((await usersOf(h.sql, (await getBridge(h, bridge.id)).organizationId)).size).toBe(5)
}, 60_000)

test('a Retry-After longer than the backoff sets nextSyncAt; sync-now skips the wait', async () => {
  const graph = fakeGraph()
  graph.rateLimitOnce(600) // beyond what the connector waits in-process: Temporal's nextRetryDelay
  const { bridge } = await newBridge(graph)
  const failed = await eventually(() => snapshot(bridge.id), (s) => s.state === 'failed', 'the rate-limited attempt')
  expect(failed).toMatchObject({ consecutiveFailures: 1, delayMs: 600_000 })
  // While Temporal waits to retry, operators find the bridge by its state.
  expect(await eventually(() => listed(`BridgeId = "${bridge.id}" AND BridgeState = "failed"`), (ids) => ids.length === 1, 'BridgeState failed')).toHaveLength(1)

  const res = await h.api('POST', `/bridges/${bridge.id}/sync`)
  expect(res.status).toBe(200)
  expect(res.body.state).toBe('syncing')
  expect(await untilState(h, bridge.id, 'active', 15_000)).toMatchObject({ consecutiveFailures: 0 })
})

test('bad credentials are not retried by Temporal at once: counted, said plainly, retried after the backoff by the workflow', async () => {
  const graph = fakeGraph()
  graph.rejectCredentials = true
  const { bridge } = await newBridge(graph, { initialIntervalSeconds: 3, maximumIntervalSeconds: 3 })
  const failed = await eventually(() => snapshot(bridge.id), (s) => s.state === 'failed', 'the failure')
  expect(failed).toMatchObject({ consecutiveFailures: 1, delayMs: 3000 })
  expect(failed.lastError).toStartWith('microsoft-entra:')
  graph.rejectCredentials = false // an admin fixed the secret
  expect(await untilState(h, bridge.id, 'active', 20_000)).toMatchObject({ consecutiveFailures: 0, lastError: null })
})

test('the guard refuses to deactivate an organization whose directory came back empty', async () => {
  const graph = fakeGraph()
  const { orgId, bridge } = await newBridge(graph)
  await untilState(h, bridge.id, 'active')
  graph.directory.clear()
  expect((await h.api('POST', `/bridges/${bridge.id}/sync`)).status).toBe(200)
  const failed = await eventually(() => getBridge(h, bridge.id), (b) => b.state === 'failed', 'the refused sync')
  expect(failed.consecutiveFailures).toBe(1)
  expect(failed.lastError).toStartWith('refusing to deactivate all 5 active users of this bridge')
  const users = await usersOf(h.sql, orgId)
  expect([...users.values()].map((u) => u.active)).toEqual([true, true, true, true, true])
  const [run] = await runsOf(h, bridge.id)
  expect(run).toMatchObject({ outcome: 'failed', deactivated: 0 })

  // DELETE stops the workflow and removes the bridge; its users stay.
  expect((await h.api('DELETE', `/bridges/${bridge.id}`)).status).toBe(204)
  expect((await h.api('GET', `/bridges/${bridge.id}`)).status).toBe(404)
  expect((await h.temporal.client.workflow.getHandle(`bridge-${bridge.id}`).describe()).status.name).toBe('TERMINATED')
  expect((await usersOf(h.sql, orgId)).size).toBe(5)
})

test('pause cancels an attempt in flight: nothing of it is committed; resume syncs everything', async () => {
  const graph = fakeGraph(1000)
  graph.pageSize = 50
  graph.delayMs = 250
  const { orgId, bridge } = await newBridge(graph)
  await eventually(async () => graph.count('/v1.0/users'), (n) => n >= 4, 'the sync to be a few pages in')
  expect((await h.api('POST', `/bridges/${bridge.id}/pause`)).body.state).toBe('paused')
  const [cancelled] = await eventually(() => runsOf(h, bridge.id), (runs) => runs[0]?.outcome === 'cancelled', 'the attempt to stop', 20_000)
  expect(cancelled!.error).toContain('nothing was committed')
  expect((await usersOf(h.sql, orgId)).size).toBe(0)
  expect(graph.count('/v1.0/users')).toBeLessThan(20)

  expect((await h.api('POST', `/bridges/${bridge.id}/resume`)).status).toBe(200)
  expect(await untilState(h, bridge.id, 'active', 30_000)).toMatchObject({ consecutiveFailures: 0 })
  expect((await usersOf(h.sql, orgId)).size).toBe(1000)
}, 60_000)
