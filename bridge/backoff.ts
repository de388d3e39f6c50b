// Backoff arithmetic shared by the retry policy, the sync activity and the nextSyncAt
// shown to admins. Pure (types aside, import-free): it runs inside the workflow sandbox.
import type { Schedule } from './messages'

/** Temporal's `backoffCoefficient` for the sync activity. */
export const BACKOFF_COEFFICIENT = 2

/**
 * The wait before retry `attempt` (1 = after the first failure): initial x 2^(attempt-1),
 * capped at `maximumMs`, as Temporal computes it, so nextSyncAt matches the real retry.
 */
export function backoffDelayMs(attempt: number, policy: { initialMs: number; maximumMs: number }): number {
  const n = Math.max(1, Math.floor(attempt))
  const initial = Math.max(0, policy.initialMs)
  // The exponent is bounded so the power stays finite (0 x Infinity would be NaN).
  return Math.min(policy.maximumMs, initial * BACKOFF_COEFFICIENT ** Math.min(n - 1, 1000))
}

export const DEFAULT_MAX_CONSECUTIVE_FAILURES = 10
export const DEFAULT_MAXIMUM_INTERVAL_SECONDS = 24 * 60 * 60

/** The bridge's backoff in milliseconds: `retry` with its defaults (the interval, 24 h). */
export function backoffOf(schedule: Schedule): { initialMs: number; maximumMs: number } {
  const { retry, intervalSeconds } = schedule
  return {
    initialMs: (retry.initialIntervalSeconds ?? intervalSeconds) * 1000,
    maximumMs: (retry.maximumIntervalSeconds ?? DEFAULT_MAXIMUM_INTERVAL_SECONDS) * 1000,
  }
}

export function maxFailuresOf(schedule: Schedule): number {
  return schedule.retry.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES
}

/** The first retry after a failure of ours (a lost worker, our database away): policies.ts. */
export const INFRA_RETRY_MS = 5_000
