// A bridge's status (its `bridges` row) and run history (`bridge_runs`), as the workflow
// and the sync activity persist them. An attempt's writes are skipped once an admin has
// paused or disabled the bridge: a cancelled attempt that finishes late cannot undo them.
import { ApplicationFailure } from '@temporalio/activity'
import type { Fragment } from 'postgres'
import type { Tx } from '../server/db/client'
import type { BridgeState, BridgeStatus } from '../bridge/messages'
import type { Conflict } from './reconcile/plan'
import type { GroupCounts } from '../server/groups/batch'

export type BridgeRef = { organizationId: string; bridgeId: string }
export type StatusPatch = Partial<BridgeStatus>

type StatusRow = { state: BridgeState; consecutiveFailures: number; nextSyncAt: Date | null; lastError: string | null }

/** The bridge was deleted under its workflow: nothing to retry (the workflow is being terminated). */
export const bridgeMissing = (bridgeId: string) =>
  ApplicationFailure.create({ message: `bridge ${bridgeId} no longer exists`, type: 'BridgeMissing', nonRetryable: true })

const STATUS = (sql: Tx) => sql`state, consecutive_failures, next_sync_at, last_error`
const toStatus = (r: StatusRow): BridgeStatus => ({ ...r, nextSyncAt: r.nextSyncAt?.toISOString() ?? null })

/** The workflow's own writes (paused, disabled, an admin's resume or enable): the given fields only. */
export async function saveStatus(sql: Tx, ref: BridgeRef, patch: StatusPatch): Promise<BridgeStatus> {
  const set = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined))
  const [row] = await sql<StatusRow[]>`
    update bridges set ${sql(set)}, updated_at = now()
    where organization_id = ${ref.organizationId} and id = ${ref.bridgeId}
    returning ${STATUS(sql)}`
  if (!row) throw bridgeMissing(ref.bridgeId)
  return toStatus(row)
}

/** An attempt's write, unless an admin holds the bridge; either way the row's status comes back. */
async function attemptWrite(sql: Tx, ref: BridgeRef, set: Fragment): Promise<BridgeStatus> {
  const where = sql`organization_id = ${ref.organizationId} and id = ${ref.bridgeId}`
  const [row] = await sql<StatusRow[]>`
    update bridges set ${set}, updated_at = now() where ${where} and state not in ('paused', 'disabled') returning ${STATUS(sql)}`
  const [held] = row ? [row] : await sql<StatusRow[]>`select ${STATUS(sql)} from bridges where ${where}`
  if (!held) throw bridgeMissing(ref.bridgeId)
  return toStatus(held)
}

export const markSyncing = (sql: Tx, ref: BridgeRef) => attemptWrite(sql, ref, sql`state = 'syncing', next_sync_at = null`)

export const markSucceeded = (sql: Tx, ref: BridgeRef) =>
  attemptWrite(sql, ref, sql`
    state = 'active', consecutive_failures = 0, last_error = null, last_sync_at = now(),
    next_sync_at = now() + interval_seconds * interval '1 second'`)

/** `retryInMs` null: no retry is scheduled (the limit is reached). */
export const markFailed = (sql: Tx, ref: BridgeRef, failure: { consecutiveFailures: number; lastError: string; retryInMs: number | null }) =>
  attemptWrite(sql, ref, sql`
    state = 'failed', consecutive_failures = ${failure.consecutiveFailures}, last_error = ${failure.lastError},
    next_sync_at = ${failure.retryInMs === null ? null : sql`now() + ${failure.retryInMs} * interval '1 millisecond'`}`)

export interface RunCounts extends GroupCounts {
  created: number
  updated: number
  deactivated: number
  unchanged: number
  excluded: number
  conflicts: number
  conflictSamples: Conflict[]
}

export const NO_COUNTS: RunCounts = {
  created: 0, updated: 0, deactivated: 0, unchanged: 0, excluded: 0, conflicts: 0, conflictSamples: [],
  groupsCreated: 0, groupsUpdated: 0, groupsDeleted: 0, membershipsAdded: 0, membershipsRemoved: 0,
}

/**
 * Closes a run row left `running` by an attempt that died (its worker killed, our database
 * gone before it could record its failure) and counts that failure, in one statement.
 * Returns the status after it, or null when there was none.
 */
export async function closeAbandonedRun(sql: Tx, ref: BridgeRef, reason: string): Promise<BridgeStatus | null> {
  const [row] = await sql<(StatusRow & { closed: number })[]>`
    with closed as (
      update bridge_runs set outcome = 'failed', finished_at = now(), error = ${reason}
      where organization_id = ${ref.organizationId} and bridge_id = ${ref.bridgeId} and outcome = 'running'
      returning id
    )
    update bridges set consecutive_failures = consecutive_failures + (select count(*) from closed)::int,
      last_error = ${reason}, updated_at = now()
    where organization_id = ${ref.organizationId} and id = ${ref.bridgeId} and exists (select 1 from closed)
    returning ${STATUS(sql)}`
  return row ? toStatus(row) : null
}

/** Opens this attempt's run row; `attempt` counts the attempts of the current failure streak. */
export async function startRun(sql: Tx, ref: BridgeRef, attempt: number): Promise<string> {
  const [run] = await sql<{ id: string }[]>`
    insert into bridge_runs (organization_id, bridge_id, attempt) values (${ref.organizationId}, ${ref.bridgeId}, ${attempt})
    returning id`
  return run!.id
}

export async function finishRun(
  sql: Tx, ref: BridgeRef, runId: string, outcome: 'succeeded' | 'failed' | 'cancelled', counts: RunCounts | null, error: string | null = null,
): Promise<void> {
  const c = counts ?? NO_COUNTS
  await sql`
    update bridge_runs set outcome = ${outcome}, finished_at = now(), error = ${error},
      created = ${c.created}, updated = ${c.updated}, deactivated = ${c.deactivated}, unchanged = ${c.unchanged},
      excluded = ${c.excluded}, conflicts = ${c.conflicts}, conflict_samples = ${JSON.stringify(c.conflictSamples)}::text::jsonb,
      groups_created = ${c.groupsCreated}, groups_updated = ${c.groupsUpdated}, groups_deleted = ${c.groupsDeleted},
      memberships_added = ${c.membershipsAdded}, memberships_removed = ${c.membershipsRemoved}
    where organization_id = ${ref.organizationId} and id = ${runId} and outcome = 'running'`
}
