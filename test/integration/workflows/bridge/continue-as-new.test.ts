// Continue-as-new on a real Temporal dev server, one of this file's own that suggests it
// after 30 history events: a bridge syncing every second continues-as-new every few syncs.
// The new runs carry the state, the search attributes and the memo (with the Temporal UI's
// current details), keep syncing, and answer admin actions; a pause holds across continue-as-new.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { WorkflowExecutionInfo } from '@temporalio/client'
import { defaultPayloadConverter } from '@temporalio/common'
import { workflowMetadataQuery } from '@temporalio/workflow'
import { startTemporal } from '../../../../dev/services'
import { bridgeWorkflowId, stateQuery, type BridgeWorkflowInput } from '../../../../bridge/messages'
import { BRIDGE_STATE } from '../../../../bridge/search-attributes'
import { type BridgeMemo, bridgeSummary } from '../../../../workflows/metadata'
import { FakeGraph } from '../../../fixtures/fake-graph'
import { createBridge, eventually, getBridge, harness, runsOf, type Harness } from './harness'

const SUGGEST_AFTER_EVENTS = 30
const graph = new FakeGraph().populate(5)
let temporalDev: Awaited<ReturnType<typeof startTemporal>> | undefined
let h: Harness
let orgId: string
let bridgeId: string

beforeAll(async () => {
  temporalDev = await startTemporal({ dbFile: null, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': SUGGEST_AFTER_EVENTS } })
  h = await harness('continue-as-new', { temporalAddress: temporalDev.address })
  const created = await createBridge(h, {
    provider: 'microsoft-entra', settings: graph.settings(), intervalSeconds: 1, retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 2 },
  })
  orgId = created.orgId
  bridgeId = created.bridge.id
}, 240_000) // a checkout's first start builds dev/temporal: minutes; then seconds

afterAll(async () => {
  await h?.stop()
  await temporalDev?.stop()
  graph.stop()
})

/** The runs of the bridge's workflow (closed ones too), oldest first. */
async function executions(filter = ''): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = []
  for await (const run of h.temporal.client.workflow.list({ query: `BridgeId = "${bridgeId}"${filter}` })) runs.push(run)
  return runs.sort((a, b) => a.startTime.getTime() - b.startTime.getTime())
}

const continued = (runs: WorkflowExecutionInfo[]) => runs.filter((r) => r.status.name === 'CONTINUED_AS_NEW')
const handle = () => h.temporal.client.workflow.getHandle(bridgeWorkflowId(bridgeId))

test('the workflow continues-as-new before its history grows, and the continued runs keep syncing', async () => {
  const runs = await eventually(() => executions(), (r) => continued(r).length >= 2, 'two continues-as-new', 30_000)
  expect(new Set(runs.map((r) => r.workflowId))).toEqual(new Set([bridgeWorkflowId(bridgeId)]))
  expect(new Set(runs.map((r) => r.runId)).size).toBe(runs.length)
  expect(runs.filter((r) => r.status.name === 'RUNNING').length).toBeLessThanOrEqual(1)
  // Each run stops soon after the suggestion (a sync's events at most), not runs on.
  for (const run of continued(runs)) expect(run.historyLength).toBeLessThan(2 * SUGGEST_AFTER_EVENTS)

  // The run now is a continued one, started from the first.
  const description = await handle().describe()
  expect(description.raw.workflowExecutionInfo?.firstRunId).toBe(runs[0]!.runId)
  expect(description.runId).not.toBe(runs[0]!.runId)
  const since = description.startTime.getTime()
  const synced = await eventually(() => runsOf(h, bridgeId), (r) => r.filter((run) => Date.parse(run.startedAt) > since && run.outcome === 'succeeded').length >= 2, 'syncs in a continued run', 20_000)
  expect(synced.filter((run) => run.outcome !== 'succeeded' && run.outcome !== 'running')).toEqual([])
  const bridge = await getBridge(h, bridgeId)
  expect(bridge).toMatchObject({ consecutiveFailures: 0, lastError: null })
  expect(Date.parse(bridge.lastSyncAt)).toBeGreaterThan(since)
}, 60_000)

test('a continued run carries the state, the search attributes, the memo and the current details', async () => {
  const description = await handle().describe()
  expect(description.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId)
  // Its input is the previous run's state, not the row's first one (pending).
  const { events } = await h.temporal.client.workflow.getHandle(bridgeWorkflowId(bridgeId), description.runId).fetchHistory()
  const started = events![0]!.workflowExecutionStartedEventAttributes!
  expect(started.continuedExecutionRunId).toBeTruthy()
  expect(defaultPayloadConverter.fromPayload<BridgeWorkflowInput>(started.input!.payloads![0]!)).toMatchObject({
    bridgeId, organizationId: orgId, provider: 'microsoft-entra', schedule: { intervalSeconds: 1 },
    status: { state: 'active', consecutiveFailures: 0, lastError: null },
  })
  expect(description.memo).toEqual({ organization: expect.any(String), organizationId: orgId, provider: 'microsoft-entra', lastSyncAt: expect.stringMatching(/^\d{4}-/) })
  // Temporal does not carry the static summary over; the current details repeat it, and the last sync, from the memo.
  expect(await description.staticSummary()).toBeUndefined()
  const { currentDetails } = await handle().query(workflowMetadataQuery)
  expect(currentDetails).toStartWith(`${bridgeSummary(description.memo as BridgeMemo)}\n\n- **State:** `)
  expect(currentDetails).toMatch(/\*\*Last sync:\*\* \d{4}-\d\d-\d\d /)
  expect(await handle().query(stateQuery)).toMatchObject({ state: expect.stringMatching(/^(active|syncing)$/), consecutiveFailures: 0, lastError: null })
  const query = ` AND ExecutionStatus = "Running" AND OrganizationId = "${orgId}" AND BridgeProvider = "microsoft-entra"`
  const [run] = await eventually(() => executions(query), (r) => r.length === 1, 'the running run with every search attribute')
  expect(run!.runId).not.toBe(description.raw.workflowExecutionInfo?.firstRunId)
  expect(run!.typedSearchAttributes.get(BRIDGE_STATE)).toMatch(/^(active|syncing)$/)
}, 30_000)

test('admin actions reach the continued run; a pause holds across continue-as-new', async () => {
  const paused = await h.api('POST', `/bridges/${bridgeId}/pause`)
  expect(paused.status).toBe(200)
  expect(paused.body).toMatchObject({ state: 'paused', nextSyncAt: null })
  const { runId: pausedRun, raw } = await handle().describe()
  expect(pausedRun).not.toBe(raw.workflowExecutionInfo?.firstRunId)
  // Admin messages count in the history too: idempotent pauses take it over the limit, and
  // the run continues-as-new, still paused.
  const pauseAgain = async () => {
    expect((await h.api('POST', `/bridges/${bridgeId}/pause`)).body.state).toBe('paused')
    return handle().describe()
  }
  const next = await eventually(pauseAgain, (d) => d.runId !== pausedRun, 'a continue-as-new while paused', 20_000)
  const requests = graph.count('/v1.0/users')
  // The continued run waits for an admin: no activity, no timer in its history.
  const continued = h.temporal.client.workflow.getHandle(bridgeWorkflowId(bridgeId), next.runId)
  expect((await continued.describe()).raw.pendingActivities ?? []).toEqual([])
  const events = (await continued.fetchHistory()).events ?? []
  expect(events.filter((e) => e.timerStartedEventAttributes || e.activityTaskScheduledEventAttributes)).toEqual([])
  expect(graph.count('/v1.0/users')).toBe(requests)
  expect(await h.temporal.client.workflow.getHandle(bridgeWorkflowId(bridgeId), next.runId).query(stateQuery)).toMatchObject({ state: 'paused' })
  expect(await getBridge(h, bridgeId)).toMatchObject({ state: 'paused' })
  await eventually(() => executions(' AND ExecutionStatus = "Running" AND BridgeState = "paused"'), (r) => r.length === 1, 'BridgeState paused on the running run')

  const resumed = await h.api('POST', `/bridges/${bridgeId}/resume`)
  expect(resumed.status).toBe(200)
  expect(resumed.body.state).toBe('syncing')
  const before = Date.parse((await getBridge(h, bridgeId)).lastSyncAt)
  const active = await eventually(() => getBridge(h, bridgeId), (b) => b.state === 'active' && Date.parse(b.lastSyncAt) > before, 'a sync after resume')
  expect(active).toMatchObject({ consecutiveFailures: 0, lastError: null })
}, 45_000)
