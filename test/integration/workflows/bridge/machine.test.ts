// The bridge workflow alone: its state machine on the real Temporal dev server, with the
// activities stubbed (no Postgres, no directory). Each test scripts what the sync
// attempts do and drives the workflow through its Updates, as the admin API does.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { ApplicationFailure, CancelledFailure } from '@temporalio/common'
import { Client, Connection } from '@temporalio/client'
import { Context } from '@temporalio/activity'
import { NativeConnection, Worker } from '@temporalio/worker'
import { temporal as proto } from '@temporalio/proto'
import type { SyncInput, SyncResult } from '../../../../activities/sync'
import { NO_COUNTS, type StatusPatch } from '../../../../activities/bridge-state'
import { prepareWorkflowBundle } from '../../../../server/workflow-bundle'
import {
  bridgeWorkflowId, configureUpdate, enableUpdate, pauseUpdate, resumeUpdate, stateQuery, syncNowUpdate,
  type BridgeStatus, type BridgeWorkflowInput,
} from '../../../../bridge/messages'

const taskQueue = `bridge-workflow-${crypto.randomUUID()}`
const COUNTS = { ...NO_COUNTS }

/** What a stubbed attempt does: succeed, fail (retryable after `retryInMs`, or not), or run until cancelled. */
type Step = { kind: 'ok' } | { kind: 'fail'; nonRetryable?: boolean; retryInMs?: number; silent?: boolean } | { kind: 'hang' }

/** Per bridge: its "row" (what saveBridgeStatus and the attempts write) and the script of its attempts. */
const bridges = new Map<string, { row: BridgeStatus; script: Step[]; attempts: number; cancelled: number }>()

function row(bridgeId: string) {
  return bridges.get(bridgeId)!
}

const activities = {
  async saveBridgeStatus(input: { bridgeId: string; organizationId: string; patch: StatusPatch }): Promise<BridgeStatus> {
    const b = row(input.bridgeId)
    b.row = { ...b.row, ...Object.fromEntries(Object.entries(input.patch).filter(([, v]) => v !== undefined)) }
    return b.row
  },
  async syncBridge(input: SyncInput): Promise<SyncResult> {
    const b = row(input.bridgeId)
    b.attempts++
    const step = b.script.shift() ?? { kind: 'ok' }
    if (step.kind === 'ok') {
      b.row = { state: 'active', consecutiveFailures: 0, lastError: null, nextSyncAt: new Date(Date.now() + 3600_000).toISOString() }
      return { status: b.row, counts: COUNTS }
    }
    if (step.kind === 'hang') {
      const ctx = Context.current()
      for (;;) {
        ctx.heartbeat()
        try {
          await ctx.sleep(100)
        } catch (e) {
          if (e instanceof CancelledFailure) b.cancelled++
          throw e
        }
      }
    }
    const consecutiveFailures = b.row.consecutiveFailures + 1
    const exhausted = consecutiveFailures >= input.maxConsecutiveFailures
    const retryInMs = step.retryInMs ?? 100
    // `silent`: the attempt could not record its failure (as when our database is away).
    if (!step.silent) b.row = { state: 'failed', consecutiveFailures, lastError: `failure ${consecutiveFailures}`, nextSyncAt: new Date(Date.now() + retryInMs).toISOString() }
    throw ApplicationFailure.create({
      message: `failure ${consecutiveFailures}`, nonRetryable: (step.nonRetryable ?? false) || exhausted, details: [b.row], nextRetryDelay: retryInMs,
    })
  },
}

let worker: Worker
let running: Promise<void>
let native: NativeConnection
let connection: Connection
let client: Client

beforeAll(async () => {
  native = await NativeConnection.connect({ address: process.env.TEMPORAL_ADDRESS! })
  worker = await Worker.create({
    connection: native,
    taskQueue,
    workflowBundle: await prepareWorkflowBundle(),
    activities,
    maxHeartbeatThrottleInterval: '100 milliseconds',
  })
  running = worker.run()
  connection = await Connection.connect({ address: process.env.TEMPORAL_ADDRESS! })
  client = new Client({ connection })
}, 60_000)

afterAll(async () => {
  worker?.shutdown()
  await running
  await native?.close()
  await connection?.close()
})

/** The message of a refused Update (try/catch: `expect().rejects` around Temporal calls can hang in bun:test). */
async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p
  } catch (e) {
    return String((e as { cause?: Error }).cause?.message ?? (e as Error).message)
  }
  throw new Error('the Update was accepted')
}

async function start(script: Step[], opts: { intervalSeconds?: number; maxConsecutiveFailures?: number } = {}) {
  const bridgeId = crypto.randomUUID()
  const status: BridgeStatus = { state: 'pending', consecutiveFailures: 0, nextSyncAt: null, lastError: null }
  bridges.set(bridgeId, { row: status, script, attempts: 0, cancelled: 0 })
  const input: BridgeWorkflowInput = {
    bridgeId, organizationId: crypto.randomUUID(), provider: 'okta', status,
    schedule: { intervalSeconds: opts.intervalSeconds ?? 3600, retry: { initialIntervalSeconds: 1, maxConsecutiveFailures: opts.maxConsecutiveFailures ?? 3 } },
  }
  const handle = await client.workflow.start('bridgeWorkflow', { taskQueue, workflowId: bridgeWorkflowId(bridgeId), args: [input] })
  return { bridgeId, handle, b: row(bridgeId) }
}

async function until<T>(read: () => Promise<T> | T, ok: (v: T) => boolean, what: string, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms
  for (;;) {
    const v = await read()
    if (ok(v)) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(v)}`)
    await Bun.sleep(50)
  }
}

test('a new bridge syncs at once, then waits for its interval; sync-now syncs again', async () => {
  const { handle, b } = await start([{ kind: 'ok' }, { kind: 'ok' }])
  await until(() => handle.query(stateQuery), (s) => s.state === 'active', 'active')
  expect(b.attempts).toBe(1)
  const answer = await handle.executeUpdate(syncNowUpdate, { args: [{}] })
  expect(answer.state).toBe('syncing')
  await until(() => b.attempts, (n) => n === 2, 'a second attempt')
  await until(() => handle.query(stateQuery), (s) => s.state === 'active', 'active again')
  await handle.terminate()
})

test('pause cancels the attempt in flight and holds; resume syncs at once', async () => {
  const { handle, b } = await start([{ kind: 'hang' }, { kind: 'ok' }])
  await until(() => b.attempts, (n) => n === 1, 'the attempt to run')
  const paused = await handle.executeUpdate(pauseUpdate)
  expect(paused).toMatchObject({ state: 'paused', nextSyncAt: null })
  await until(() => b.cancelled, (n) => n === 1, 'the attempt to be cancelled')
  expect(b.row.state).toBe('paused')
  expect(await refusal(handle.executeUpdate(syncNowUpdate, { args: [{}] }))).toBe('the bridge is paused: resume it to sync')
  expect((await handle.executeUpdate(resumeUpdate)).state).toBe('syncing')
  await until(() => handle.query(stateQuery), (s) => s.state === 'active', 'active after resume')
  expect(b.attempts).toBe(2)
  await handle.terminate()
})

test('failures count up to the limit, the bridge is disabled; enable resets the counter and syncs', async () => {
  const { handle, b } = await start([{ kind: 'fail' }, { kind: 'fail' }, { kind: 'fail' }, { kind: 'ok' }])
  const disabled = await until(() => handle.query(stateQuery), (s) => s.state === 'disabled', 'disabled')
  expect(disabled).toMatchObject({ consecutiveFailures: 3, lastError: 'failure 3', nextSyncAt: null })
  // The workflow answers the query as soon as it decides; its status write to the row follows.
  await until(() => b.row.state, (state) => state === 'disabled', 'the row to say disabled')
  expect(await refusal(handle.executeUpdate(resumeUpdate))).toBe('the bridge is not paused (it is disabled)')
  expect(await handle.executeUpdate(enableUpdate)).toMatchObject({ state: 'syncing', consecutiveFailures: 0 })
  await until(() => handle.query(stateQuery), (s) => s.state === 'active', 'active after enable')
  expect(b.attempts).toBe(4)
  await handle.terminate()
})

test('a shorter interval brings the next sync forward', async () => {
  const { handle, b } = await start([{ kind: 'ok' }, { kind: 'ok' }])
  await until(() => handle.query(stateQuery), (s) => s.state === 'active', 'active')
  const before = Date.parse((await handle.query(stateQuery)).nextSyncAt!)
  const after = await handle.executeUpdate(configureUpdate, { args: [{ intervalSeconds: 1, retry: {} }] })
  expect(Date.parse(after.nextSyncAt!)).toBeLessThan(before)
  await until(() => b.attempts, (n) => n === 2, 'the sync the shorter interval brought forward')
  await handle.terminate()
})

test('sync-now while Temporal waits to retry an attempt nobody reported starts a new attempt at once', async () => {
  // The first attempt fails without a word to the workflow, and Temporal waits an hour.
  const { handle, b } = await start([{ kind: 'fail', silent: true, retryInMs: 3600_000 }, { kind: 'ok' }])
  const { PENDING_ACTIVITY_STATE_SCHEDULED } = proto.api.enums.v1.PendingActivityState
  await until(async () => (await handle.describe()).raw.pendingActivities?.[0], (a) => a?.state === PENDING_ACTIVITY_STATE_SCHEDULED && a.attempt === 2, 'Temporal to wait for the retry')
  expect((await handle.query(stateQuery)).state).toBe('syncing') // the workflow cannot know
  expect((await handle.executeUpdate(syncNowUpdate, { args: [{ waitingForRetry: true }] })).state).toBe('syncing')
  await until(() => handle.query(stateQuery), (s) => s.state === 'active', 'active', 10_000)
  expect(b.attempts).toBe(2)
  await handle.terminate()
})
