// A bridge's workflow as the server sees it: started idempotently (one per bridge, ever
// running), restarted from the row when it is gone, messaged with Updates.
import type { Client, WorkflowHandle } from '@temporalio/client'
import { optionalTsToDate } from '@temporalio/common/lib/time'
import { temporal as proto } from '@temporalio/proto'
import type { bridgeWorkflow } from '../../workflows/bridge'
import { type BridgeMemo, bridgeStaticDetails, bridgeSummary } from '../../workflows/metadata'
import { bridgeWorkflowId, type BridgeWorkflowInput, type Schedule } from '../../bridge/messages'
import { BRIDGE_ID, BRIDGE_PROVIDER, BRIDGE_STATE, ORGANIZATION_ID } from '../../bridge/search-attributes'
import { getOrganization } from '../organizations/store'
import type { Config } from '../config'
import type { Sql } from '../db/client'
import { onWorkflow, startAll, type Temporal } from '../temporal'
import type { BridgeRow } from '../../bridge/store'

export type BridgeConfig = Pick<Config, 'SECRETS_KEY' | 'TEMPORAL_TASK_QUEUE' | 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>
export type BridgeDeps = { sql: Sql; config: BridgeConfig; temporal: Temporal }

/** Idempotent: a running workflow is kept (USE_EXISTING); a missing one starts from the row's state. */
export async function startBridgeWorkflow(client: Client, taskQueue: string, row: BridgeRow, organizationName: string): Promise<void> {
  const input: BridgeWorkflowInput = {
    bridgeId: row.id,
    organizationId: row.organizationId,
    provider: row.provider,
    schedule: scheduleOf(row),
    status: { state: row.state, consecutiveFailures: row.consecutiveFailures, nextSyncAt: row.nextSyncAt?.toISOString() ?? null, lastError: row.lastError },
  }
  const memo: BridgeMemo = {
    organization: organizationName, organizationId: row.organizationId, provider: row.provider,
    ...(row.name !== null && { name: row.name }), lastSyncAt: row.lastSyncAt?.toISOString() ?? 'never',
  }
  await client.workflow.start<typeof bridgeWorkflow>('bridgeWorkflow', {
    taskQueue,
    workflowId: bridgeWorkflowId(row.id),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: BRIDGE_ID, value: row.id },
      { key: ORGANIZATION_ID, value: row.organizationId },
      { key: BRIDGE_PROVIDER, value: row.provider },
      { key: BRIDGE_STATE, value: row.state },
    ],
    memo,
    // Neither can change later: they hold what never does; the name is in the current details (workflows/metadata.ts).
    staticSummary: bridgeSummary(memo),
    staticDetails: bridgeStaticDetails(row),
  })
}

/** On worker start: every bridge gets its workflow (one created while Temporal was away, or terminated by hand). */
export async function ensureBridgeWorkflows(client: Client, sql: Sql, taskQueue: string): Promise<number> {
  const rows = await sql<(BridgeRow & { organizationName: string })[]>`
    select b.*, o.name as organization_name from bridges b join organizations o on o.id = b.organization_id`
  return startAll(rows, (row) => startBridgeWorkflow(client, taskQueue, row, row.organizationName))
}

export function scheduleOf(row: Pick<BridgeRow, 'intervalSeconds' | 'retry'>): Schedule {
  return { intervalSeconds: row.intervalSeconds, retry: row.retry }
}

/** Runs `fn` on the bridge's workflow; a workflow gone (terminated by hand) is restarted from the row first. */
export function onBridgeWorkflow<T>(deps: BridgeDeps, row: BridgeRow, fn: (handle: WorkflowHandle<typeof bridgeWorkflow>) => Promise<T>): Promise<T> {
  const client = deps.temporal.client
  const handle = client.workflow.getHandle<typeof bridgeWorkflow>(bridgeWorkflowId(row.id))
  return onWorkflow(
    () => fn(handle),
    async () => startBridgeWorkflow(client, deps.config.TEMPORAL_TASK_QUEUE, row, (await getOrganization(deps.sql, row.organizationId)).name),
  )
}

/** Temporal's word on a sync whose last attempt failed and whose next one is not running yet. */
export interface RetryWait {
  /** The attempt Temporal will start next. */
  attempt: number
  failure: string
  nextAttemptAt: Date | null
}

const { PENDING_ACTIVITY_STATE_SCHEDULED } = proto.api.enums.v1.PendingActivityState
const DESCRIBE_TIMEOUT_MS = 2000

/**
 * Whether the bridge's sync activity waits for a retry, from the workflow's pending
 * activity. This is the only place that knows when an attempt died without a word (its
 * worker was killed: the heartbeat timeout failed it, nothing wrote the row). Null when
 * not waiting, and when Temporal cannot tell us now.
 */
export async function retryWaitOf(deps: BridgeDeps, bridgeId: string): Promise<RetryWait | null> {
  const describe = deps.temporal.client.workflow.getHandle(bridgeWorkflowId(bridgeId)).describe()
  const timeout = Bun.sleep(DESCRIBE_TIMEOUT_MS).then(() => null)
  const description = await Promise.race([describe, timeout]).catch(() => null)
  const pending = description?.raw.pendingActivities?.find((a) => a.activityType?.name === 'syncBridge')
  if (!pending || pending.state !== PENDING_ACTIVITY_STATE_SCHEDULED || (pending.attempt ?? 1) < 2) return null
  return {
    attempt: pending.attempt!,
    failure: failureText(pending.lastFailure, pending.attempt! - 1),
    nextAttemptAt: optionalTsToDate(pending.nextAttemptScheduleTime) ?? null,
  }
}

function failureText(failure: proto.api.failure.v1.IFailure | null | undefined, attempt: number): string {
  const timeout = failure?.timeoutFailureInfo?.timeoutType
  if (timeout === proto.api.enums.v1.TimeoutType.TIMEOUT_TYPE_HEARTBEAT) {
    return `attempt ${attempt} stopped reporting progress (heartbeat timeout): its worker died or lost its connection to Temporal; nothing of it was committed`
  }
  if (timeout === proto.api.enums.v1.TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE) {
    return `attempt ${attempt} ran past its time limit (start-to-close timeout); nothing of it was committed`
  }
  return `attempt ${attempt} failed: ${failure?.message || 'no reason given'}`
}
