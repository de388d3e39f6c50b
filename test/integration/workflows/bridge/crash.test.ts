// Killing the worker in the middle of a sync loses nothing and duplicates nothing: the
// attempt's transaction dies with its process, and the retry (on another worker) re-runs
// the sync from page 1. The first worker is a real child process, killed with SIGKILL.
// A lost worker is not the directory's failure: with the default backoff (the hourly
// interval) the retry still comes within a minute, and meanwhile the bridge says so.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { ROOT } from '../../../../dev/services'
import { FakeGraph } from '../../../fixtures/fake-graph'
import { createBridge, eventually, harness, runsOf, untilState, type Harness } from './harness'

const USERS = 3000
let h: Harness
// 30 slow pages: the sync takes several seconds, time enough to kill it halfway.
const graph = new FakeGraph().populate(USERS)
graph.pageSize = 100
graph.delayMs = 150
let child: ReturnType<typeof Bun.spawn> | undefined
/** Every worker spawned: a test that fails halfway must not leave one polling after the suite. */
const spawned: ReturnType<typeof Bun.spawn>[] = []

beforeAll(async () => {
  h = await harness('crash', { worker: false })
})

afterAll(async () => {
  for (const worker of spawned) worker.kill('SIGKILL')
  await h?.stop()
  graph.stop()
})

function spawnWorker() {
  const worker = Bun.spawn(['bun', 'server/main.ts', 'worker'], {
    cwd: ROOT,
    env: { ...process.env, ...h.env, DATABASE_URL: process.env.DATABASE_URL!, LOG_LEVEL: 'error' },
    stdout: 'ignore',
    stderr: 'inherit',
  })
  spawned.push(worker)
  return worker
}

test('a worker killed mid-sync: the next one re-runs the sync, with no user lost or duplicated', async () => {
  child = spawnWorker()
  const { orgId, bridge } = await createBridge(h, { provider: 'microsoft-entra', settings: graph.settings() })
  expect(bridge).toMatchObject({ intervalSeconds: 3600, retry: { initialIntervalSeconds: 3600 } })
  await eventually(async () => graph.count('/v1.0/users'), (n) => n >= 8, 'the sync to be a few pages in', 60_000)
  child.kill('SIGKILL')
  await child.exited
  const pagesBeforeKill = graph.count('/v1.0/users')
  expect(pagesBeforeKill).toBeLessThan(USERS / graph.pageSize) // it was killed mid-sync

  // Nothing of the dead attempt was committed.
  const count = async () => (await h.sql<{ n: number; names: number }[]>`
    select count(*)::int as n, count(distinct lower(user_name))::int as names from users where organization_id = ${orgId}`)[0]!
  expect(await count()).toEqual({ n: 0, names: 0 })

  // With no worker alive, Temporal notices the dead attempt (heartbeat timeout) and the
  // bridge shows it: failed, counted, why, and Temporal's next attempt, seconds away.
  const failed = await untilState(h, bridge.id, 'failed', 45_000)
  expect(failed.consecutiveFailures).toBe(1)
  expect(failed.lastError).toContain('heartbeat timeout')
  expect(Date.parse(failed.nextSyncAt) - Date.now()).toBeLessThan(60_000)

  const restarted = Date.now()
  await h.startWorker()
  expect(await untilState(h, bridge.id, 'active', 60_000)).toMatchObject({ consecutiveFailures: 0, lastError: null })
  expect(Date.now() - restarted).toBeLessThan(60_000)
  expect(await count()).toEqual({ n: USERS, names: USERS })
  expect(graph.count('/v1.0/users')).toBeGreaterThanOrEqual(pagesBeforeKill + USERS / graph.pageSize)

  // Every run row is closed: the dead attempt's as failed, by the attempt after it.
  const runs = await runsOf(h, bridge.id)
  expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([[2, 'succeeded'], [1, 'failed']])
  expect(runs.every((r) => r.finishedAt !== null)).toBe(true)
  expect(runs[0]).toMatchObject({ created: USERS, updated: 0, deactivated: 0 })
  expect(runs[1]!.error).toStartWith('abandoned after')
}, 150_000)

test('sync-now while Temporal waits to retry a dead attempt starts a new attempt at once', async () => {
  await h.stopWorker()
  child = spawnWorker()
  const { bridge } = await createBridge(h, { provider: 'microsoft-entra', settings: graph.settings() })
  const before = graph.count('/v1.0/users')
  await eventually(async () => graph.count('/v1.0/users') - before, (n) => n >= 3, 'the sync to be a few pages in', 60_000)
  child.kill('SIGKILL')
  await child.exited
  // Temporal failed the attempt (heartbeat timeout) and waits to retry it; the workflow cannot know.
  await untilState(h, bridge.id, 'failed', 45_000)
  // The update needs a worker to run: it is sent first, the worker started after.
  const syncNow = h.api('POST', `/bridges/${bridge.id}/sync`)
  await h.startWorker()
  const answer = await syncNow
  expect(answer.status).toBe(200)
  expect(answer.body.state).toBe('syncing')
  expect(await untilState(h, bridge.id, 'active', 60_000)).toMatchObject({ consecutiveFailures: 0 })

  // The waiting retry was cancelled and a fresh attempt scheduled in its place.
  const history = await h.temporal.client.workflow.getHandle(bridge.workflowId).fetchHistory()
  const events = history.events ?? []
  const scheduled = events.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'syncBridge')
  expect(scheduled.length).toBe(2)
  expect(events.some((e) => e.activityTaskCancelRequestedEventAttributes)).toBe(true)
  const runs = await runsOf(h, bridge.id)
  expect(runs.every((r) => r.finishedAt !== null)).toBe(true)
  expect(runs[0]!.outcome).toBe('succeeded')
}, 150_000)
