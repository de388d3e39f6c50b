// The bridge state machine's pure rules: which admin action is allowed when, when a new
// interval brings the next sync forward, and what a failed sync leaves behind. No
// workflow APIs here, so unit tests call them directly.
import { ActivityFailure, ApplicationFailure } from '@temporalio/common'
import { backoffDelayMs } from '../bridge/backoff'
import type { AdminAction, BridgeStatus, Schedule } from '../bridge/messages'

/** Why an admin action is refused in this status (the admin API answers 409 with it, and shows it in a bridge's `refusals`), or null. */
export function refusal(action: AdminAction, status: Pick<BridgeStatus, 'state' | 'consecutiveFailures'>): string | null {
  const { state, consecutiveFailures } = status
  const disabled = `the bridge is disabled after ${consecutiveFailures} consecutive failures`
  switch (action) {
    case 'pause':
      return state === 'disabled' ? `${disabled}; enable it instead of pausing it` : null
    case 'resume':
      return state === 'paused' ? null : `the bridge is not paused (it is ${state})`
    case 'enable':
      return state === 'disabled' ? null : `the bridge is not disabled (it is ${state}); only a disabled bridge can be enabled`
    case 'syncNow':
      if (state === 'paused') return 'the bridge is paused: resume it to sync'
      return state === 'disabled' ? `${disabled}: enable it to sync` : null
  }
}

/**
 * When a changed interval brings the next scheduled sync forward: a bridge waiting for a
 * day that is told to sync every minute syncs within a minute, not tomorrow. Null = keep.
 */
export function rescheduled(status: BridgeStatus, schedule: Schedule, nowMs: number): string | null {
  if (status.state !== 'active' || status.nextSyncAt === null) return null
  const sooner = nowMs + schedule.intervalSeconds * 1000
  return sooner < Date.parse(status.nextSyncAt) ? new Date(sooner).toISOString() : null
}

/**
 * The status after the sync activity finally failed. The activity gives up only through a
 * failure that carries the status it wrote; without one (nothing should fail it otherwise),
 * the failure counts once and the next sync waits for the bridge's backoff.
 */
export function statusAfterFailure(err: unknown, before: BridgeStatus, backoff: { initialMs: number; maximumMs: number }, nowMs: number): BridgeStatus {
  const cause = err instanceof ActivityFailure ? err.cause : undefined
  const reported = cause instanceof ApplicationFailure ? (cause.details?.[0] as BridgeStatus | undefined) : undefined
  if (reported) return reported
  const why = (cause ?? (err as Error | undefined))?.message ?? String(err)
  const consecutiveFailures = before.consecutiveFailures + 1
  const nextSyncAt = new Date(nowMs + backoffDelayMs(consecutiveFailures, backoff)).toISOString()
  return { ...before, state: 'failed', consecutiveFailures, nextSyncAt, lastError: `the last attempt did not finish: ${why}` }
}
