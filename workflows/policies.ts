// Named activity option sets: retries and timeouts are decided here, once.
import type { ActivityOptions } from '@temporalio/workflow'
import { BACKOFF_COEFFICIENT, backoffDelayMs } from './backoff'
import type { Schedule } from './bridge.messages'

/** Short calls to our own database. */
export const QUICK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
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

/**
 * The sync activity, after `failuresBefore` consecutive failures. Temporal's retry policy is
 * the backoff: starting at backoffDelayMs(failuresBefore + 1) makes attempt n wait
 * backoffDelayMs(failuresBefore + n), so the delay follows the persisted counter even when
 * a new activity starts mid-walk (after a non-retryable error, a resume, a sync-now), and
 * the attempts left end the walk exactly at the bridge's limit. A long sync is fine as
 * long as it heartbeats: a dead worker is noticed within the heartbeat timeout.
 */
export function syncActivity(schedule: Schedule, failuresBefore: number): ActivityOptions {
  const backoff = backoffOf(schedule)
  return {
    startToCloseTimeout: '2 hours',
    heartbeatTimeout: '15 seconds',
    retry: {
      initialInterval: Math.max(1, backoffDelayMs(failuresBefore + 1, backoff)),
      backoffCoefficient: BACKOFF_COEFFICIENT,
      maximumInterval: Math.max(1, backoff.maximumMs),
      maximumAttempts: Math.max(1, maxFailuresOf(schedule) - failuresBefore),
    },
  }
}
