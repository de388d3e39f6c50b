// The bridge workflow's contract, shared by the workflow, its activities and the admin
// API: the input, the status it reports, and its messages (Updates answer with the
// status after the action, so the admin API shows the workflow's real state).
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow'
import type { Provider } from './providers'

export type BridgeState = 'pending' | 'syncing' | 'active' | 'failed' | 'disabled' | 'paused'

/** Per-bridge backoff (the admin API's `retry`); seconds so tests can run in seconds. */
export interface RetrySettings {
  /** Wait before the first retry; defaults to the sync interval. */
  initialIntervalSeconds?: number
  /** Cap of the exponential backoff; defaults to 24 h. */
  maximumIntervalSeconds?: number
  /** Consecutive failed attempts that disable the bridge; defaults to 10. */
  maxConsecutiveFailures?: number
}

/** What the workflow needs to time its syncs; `configure` replaces it. Settings stay in Postgres. */
export interface Schedule {
  intervalSeconds: number
  retry: RetrySettings
}

/** The persisted status of a bridge (its `bridges` row), as the workflow sees it. */
export interface BridgeStatus {
  state: BridgeState
  consecutiveFailures: number
  /** ISO time of the next attempt; null when none is scheduled (now, paused, disabled). */
  nextSyncAt: string | null
  lastError: string | null
}

export interface BridgeWorkflowInput {
  bridgeId: string
  organizationId: string
  provider: Provider
  schedule: Schedule
  /** Where to start: the row's status (a new bridge: pending), or the previous run's after continue-as-new. */
  status: BridgeStatus
  /** A sync-now that arrived before continue-as-new. */
  syncRequested?: boolean
}

/** Sent by the sync activity after each attempt's start or failure, so the state search attribute follows retries. */
export interface AttemptReport {
  syncId: string
  status: BridgeStatus
}

export const bridgeWorkflowId = (bridgeId: string) => `bridge-${bridgeId}`

export const stateQuery = defineQuery<BridgeStatus>('state')
export const reportAttemptSignal = defineSignal<[AttemptReport]>('reportAttempt')
export const pauseUpdate = defineUpdate<BridgeStatus>('pause')
export const resumeUpdate = defineUpdate<BridgeStatus>('resume')
export const enableUpdate = defineUpdate<BridgeStatus>('enable')
/** `waitingForRetry`: the caller saw the sync activity waiting for Temporal's next attempt. */
export interface SyncNowOptions {
  waitingForRetry?: boolean
}
export const syncNowUpdate = defineUpdate<BridgeStatus, [SyncNowOptions]>('syncNow')
/** What the Temporal UI shows of the bridge that an admin may change (workflows/metadata.ts). */
export interface BridgeLabel {
  name: string | null
}
/** The label is optional: updates recorded before it existed carry the schedule only. */
export const configureUpdate = defineUpdate<BridgeStatus, [Schedule, BridgeLabel?]>('configure')

export type AdminAction = 'pause' | 'resume' | 'enable' | 'syncNow'

/**
 * A bridge to preview (workflows/preview.ts): a saved one (its id), or one about to be
 * created, whose settings travel sealed with SECRETS_KEY under `sealedAs` (Temporal keeps
 * activity inputs).
 */
export type PreviewInput = { organizationId: string; excludedEmails: string[]; maxDeactivationRatio: number; syncGroups: boolean } & (
  | { bridgeId: string }
  | { sealedAs: string; provider: Provider; settingsEncrypted: string }
)

export interface PreviewSamples {
  create: { userName: string; email: string | null }[]
  update: { userName: string; changes: Record<string, unknown> }[]
  deactivate: { userName: string }[]
  conflicts: { externalId: string; userName: string; reason: string }[]
}

/** What a sync would do now: counts, the first examples of each, and the guard's verdict. */
export interface PreviewResult {
  counts: {
    create: number; update: number; reactivate: number; deactivate: number; unchanged: number; excluded: number; conflicts: number
    groupsCreated: number; groupsUpdated: number; groupsDeleted: number; membershipsAdded: number; membershipsRemoved: number
  }
  samples: PreviewSamples
  /** The guard (deactivations, or group deletions) that would stop the sync, and why; null when it would run. */
  refused: string | null
}
