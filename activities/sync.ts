// The bridge's activities: one sync attempt (syncBridge) and the workflow's status writes.
// Every failed attempt counts once in the row's consecutive_failures: by itself when it
// can, or, when it died first (its worker killed, our database gone), by the next attempt,
// which finds its run row still open. A failure carries the status it wrote, for the
// workflow, and the wait before the next attempt (policies.ts says which wait is whose).
// Every attempt signals its start and its failure, so the workflow's state (and the
// BridgeState search attribute) follows the retries.
import { activityInfo, ApplicationFailure, Context, heartbeat } from '@temporalio/activity'
import { findBridge, InvalidSettings, openSettings } from '../bridge/store'
import { databaseTrouble, type Sql } from '../server/db/client'
import type { Log } from '../server/log'
import { backoffDelayMs, INFRA_RETRY_MS } from '../bridge/backoff'
import { bridgeWorkflowId, reportAttemptSignal, type BridgeStatus, type PreviewInput, type PreviewResult } from '../bridge/messages'
import { bridgeMissing, closeAbandonedRun, finishRun, markFailed, markSucceeded, markSyncing, saveStatus, startRun, type BridgeRef, type RunCounts, type StatusPatch } from './bridge-state'
import { ConnectorError, createConnector, type HttpOptions } from './connectors'
import { parseSecretsKey, SecretsError } from '../bridge/secrets'
import { DeactivationRefused } from './reconcile/plan'
import { Preview, syncDirectory, type Progress, type SyncTarget } from './sync-directory'

export interface SyncInput extends BridgeRef {
  /** Which sync of the workflow this is (its reports name it). */
  syncId: string
  backoff: { initialMs: number; maximumMs: number }
  maxConsecutiveFailures: number
}

export interface SyncResult {
  status: BridgeStatus
  counts: RunCounts
}



export type BridgeActivityDeps = {
  sql: Sql
  log: Log
  secretsKey?: string
  /** OUTBOUND_ALLOW_PRIVATE: provider URLs may be on loopback/private networks. */
  allowPrivate: boolean
  connectorOptions?: HttpOptions
}

/** Often enough that a cancellation (pause) reaches a running attempt within seconds, whatever the page size. */
const HEARTBEAT_EVERY_MS = 1000
const ANALYZE_AFTER_ROWS = 1000

export function createBridgeActivities(deps: BridgeActivityDeps) {
  const { sql, log } = deps

  async function syncBridge(input: SyncInput): Promise<SyncResult> {
    const signal = Context.current().cancellationSignal
    let status = await markSyncing(sql, input)
    // An attempt that died (killed worker, lost database) left its run open: count it now.
    const abandoned = await closeAbandonedRun(sql, input, abandonedReason(activityInfo().heartbeatDetails))
    if (abandoned) {
      status = abandoned
      if (status.consecutiveFailures >= input.maxConsecutiveFailures) throw giveUp(input, status)
    }
    await report(input, status)
    const failuresBefore = status.consecutiveFailures
    const runId = await startRun(sql, input, failuresBefore + 1)
    try {
      const counts = await sync(input, runId, signal)
      await finishRun(sql, input, runId, 'succeeded', counts)
      const synced = await markSucceeded(sql, input)
      log.info('bridge synced', { bridgeId: input.bridgeId, ...counts, conflictSamples: undefined })
      await refreshStatistics(counts)
      return { status: synced, counts }
    } catch (err) {
      if (!signal.aborted) throw await failed(input, failuresBefore, runId, err)
      await finishRun(sql, input, runId, 'cancelled', null, 'cancelled (the bridge was paused, or a sync-now replaced this attempt); nothing was committed')
      throw err
    }
  }

  async function sync(input: SyncInput, runId: string, signal: AbortSignal): Promise<RunCounts> {
    const row = await findBridge(sql, input.bridgeId, input.organizationId)
    if (!row) throw bridgeMissing(input.bridgeId)
    const { provider, settings } = openSettings(row, parseSecretsKey(deps.secretsKey))
    // openSettings validated `settings` against `provider`'s schema; TypeScript cannot correlate the union's halves.
    const connector = createConnector(provider, settings as never, { ...deps.connectorOptions, allowPrivate: deps.allowPrivate })
    const target = { ...input, runId, syncGroups: row.syncGroups, excludedEmails: row.excludedEmails, maxDeactivationRatio: row.maxDeactivationRatio }
    const progress: Progress = { pages: 0, users: 0, cursor: null }
    const ticker = setInterval(() => heartbeat(progress), HEARTBEAT_EVERY_MS)
    try {
      return await syncDirectory(sql, target, connector, signal, progress)
    } finally {
      clearInterval(ticker)
    }
  }

  /**
   * After a sync that changed many users, fresh planner statistics now rather than at
   * autovacuum's next round: the next sync's lookups (and SCIM's) are planned on them.
   */
  async function refreshStatistics(counts: RunCounts): Promise<void> {
    if (counts.created + counts.updated + counts.deactivated < ANALYZE_AFTER_ROWS) return
    // Best effort: the sync itself succeeded.
    await sql`analyze users`.catch((err) => log.warn('bridge: analyze users failed', { error: String(err) }))
  }

  /**
   * Counts the failed attempt, records it, and turns it into the failure Temporal retries
   * (after the bridge's backoff, or soon when our database failed it) or not (at the limit).
   * When the database cannot take the record, the failure goes up as it is: Temporal
   * retries on its own schedule, and the next attempt counts this one (its run is open).
   */
  async function failed(input: SyncInput, failuresBefore: number, runId: string, err: unknown): Promise<unknown> {
    const failure = classify(err)
    const consecutiveFailures = failuresBefore + 1
    const exhausted = consecutiveFailures >= input.maxConsecutiveFailures
    // As the admin reads it: the directory's words and what to check. Whether Temporal or the
    // workflow waits for the next attempt is ours to know; nextSyncAt says when it comes.
    const lastError = failure.message
    const retryInMs = exhausted ? null : (failure.retryAfterMs ?? backoffDelayMs(consecutiveFailures, input.backoff))
    let status: BridgeStatus
    try {
      await finishRun(sql, input, runId, 'failed', null, lastError)
      status = await markFailed(sql, input, { consecutiveFailures, lastError, retryInMs })
    } catch (recordErr) {
      if (!databaseTrouble(recordErr)) throw recordErr
      log.warn('bridge sync attempt failed and our database cannot record it; Temporal retries it', { bridgeId: input.bridgeId, error: lastError })
      return err
    }
    if (!failure.nonRetryable && !exhausted) await report(input, status)
    log.warn('bridge sync attempt failed', { bridgeId: input.bridgeId, consecutiveFailures, error: lastError })
    return ApplicationFailure.create({
      message: lastError, type: failure.type, nonRetryable: failure.nonRetryable || exhausted, details: [status],
      ...(retryInMs !== null ? { nextRetryDelay: retryInMs } : {}),
    })
  }

  /** The limit was reached by counting a dead attempt: the bridge gives up (the workflow disables it). */
  function giveUp(input: SyncInput, status: BridgeStatus): ApplicationFailure {
    log.warn('bridge sync gave up: an abandoned attempt reached the failure limit', { bridgeId: input.bridgeId, consecutiveFailures: status.consecutiveFailures })
    return ApplicationFailure.create({ message: status.lastError ?? 'too many failed attempts', type: 'AttemptAbandoned', nonRetryable: true, details: [status] })
  }

  async function report(input: SyncInput, status: BridgeStatus): Promise<void> {
    try {
      await Context.current().client.workflow.getHandle(bridgeWorkflowId(input.bridgeId)).signal(reportAttemptSignal, { syncId: input.syncId, status })
    } catch (err) {
      // The row is right; only the workflow's view (and search attribute) lags until the attempt ends.
      log.warn('bridge: could not report an attempt to its workflow', { bridgeId: input.bridgeId, error: String(err) })
    }
  }

  /**
   * What a sync would do now, writing nothing and locking no row: the same pull and plan.
   * A directory error is a failure of its own kind (ConnectorError), retried like a sync's
   * only when the provider asks to be (429, 5xx); bad credentials fail at once.
   */
  async function previewBridge(input: PreviewInput): Promise<PreviewResult> {
    const key = parseSecretsKey(deps.secretsKey)
    let target: SyncTarget
    let opened
    try {
      if ('bridgeId' in input) {
        const row = await findBridge(sql, input.bridgeId, input.organizationId)
        if (!row) throw bridgeMissing(input.bridgeId)
        opened = openSettings(row, key)
        target = { ...input, bridgeId: row.id, runId: '', syncGroups: row.syncGroups, excludedEmails: row.excludedEmails, maxDeactivationRatio: row.maxDeactivationRatio }
      } else {
        opened = openSettings({ id: input.sealedAs, provider: input.provider, settingsEncrypted: input.settingsEncrypted }, key)
        // A bridge not yet saved manages no user: its id is one nothing carries.
        target = { ...input, bridgeId: input.sealedAs, runId: '' }
      }
      const connector = createConnector(opened.provider, opened.settings as never, { ...deps.connectorOptions, allowPrivate: deps.allowPrivate })
      const preview = new Preview()
      const counts = await syncDirectory(sql, target, connector, Context.current().cancellationSignal, { pages: 0, users: 0, cursor: null }, preview)
      return {
        counts: {
          create: counts.created, update: counts.updated - preview.reactivate, reactivate: preview.reactivate, deactivate: counts.deactivated,
          unchanged: counts.unchanged, excluded: counts.excluded, conflicts: counts.conflicts,
          groupsCreated: counts.groupsCreated, groupsUpdated: counts.groupsUpdated, groupsDeleted: counts.groupsDeleted,
          membershipsAdded: counts.membershipsAdded, membershipsRemoved: counts.membershipsRemoved,
        },
        samples: { ...preview.samples, conflicts: counts.conflictSamples },
        refused: preview.refused,
      }
    } catch (err) {
      const failure = classify(err)
      throw ApplicationFailure.create({
        message: failure.message, type: failure.type, nonRetryable: failure.nonRetryable,
        ...(failure.retryAfterMs !== undefined ? { nextRetryDelay: failure.retryAfterMs } : {}),
      })
    }
  }

  return { syncBridge, previewBridge, saveBridgeStatus: (input: BridgeRef & { patch: StatusPatch }) => saveStatus(sql, input, input.patch) }
}

type Classified = { type: string; message: string; nonRetryable: boolean; retryAfterMs?: number }

/**
 * Bad credentials, a missing permission, invalid settings and a refused sync cannot get
 * better by retrying. Our own database failing the sync (a restart, a failover) is not the
 * directory's fault: it is retried in seconds.
 */
function classify(err: unknown): Classified {
  if (err instanceof ConnectorError) {
    return { type: 'ConnectorError', message: err.message, nonRetryable: !err.retryable, ...(err.retryAfterMs !== undefined ? { retryAfterMs: err.retryAfterMs } : {}) }
  }
  if (err instanceof DeactivationRefused || err instanceof InvalidSettings || err instanceof SecretsError) {
    return { type: err.name, message: err.message, nonRetryable: true }
  }
  if (err instanceof ApplicationFailure) return { type: err.type ?? 'ApplicationFailure', message: err.message, nonRetryable: err.nonRetryable ?? false }
  if (databaseTrouble(err)) {
    const code = (err as { code: string }).code
    return { type: 'DatabaseUnavailable', message: `our database failed the sync (${code}); nothing of this attempt was committed; retrying in seconds`, nonRetryable: false, retryAfterMs: INFRA_RETRY_MS }
  }
  return { type: 'SyncError', message: `the sync failed: ${err instanceof Error ? err.message : String(err)}`, nonRetryable: false }
}

/** What the run row of a dead attempt says, from the last progress it heartbeated. */
function abandonedReason(details: unknown): string {
  const p = details as Partial<Progress> | undefined
  const where = p?.pages ? ` after ${p.pages} page(s), ${p.users ?? 0} user(s)` : ''
  return `abandoned${where}: the attempt stopped without finishing (its worker died or lost Temporal, or our database went away); nothing of it was committed, and the next attempt re-ran the sync`
}
