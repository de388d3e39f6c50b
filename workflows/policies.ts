// Named activity option sets: retries and timeouts are decided here, once.
import type { ActivityOptions } from '@temporalio/workflow'
import type { Schedule } from './bridge.messages'

/**
 * Short calls to our own database (the workflow's status writes). Retried until they land:
 * a status write given up during a database outage would fail the workflow, and with it
 * the bridge, for good.
 */
export const QUICK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
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
 * The sync activity's options. Two kinds of failure, two schedules, one retry policy:
 * - the directory's own (an error answer, bad credentials, a refused sync): the activity
 *   counts it and sets `nextRetryDelay` to the bridge's backoff (backoffDelayMs: doubling
 *   from the interval, capped at 24 h; Temporal does not cap it by maximumInterval), or
 *   fails for good at the bridge's limit, so the walk ends exactly there;
 * - ours (the worker died or lost Temporal: a heartbeat or start-to-close timeout): the
 *   activity never got to say anything, so the policy's own schedule applies, INFRA_RETRY,
 *   seconds rather than the sync interval: a lost worker is not a reason to wait an hour.
 *   The next attempt finds the dead one's run row open and counts that failure.
 * No maximumAttempts: the activity decides when the bridge gives up, from the counter in
 * its row. A long sync is fine as long as it heartbeats.
 */
export const INFRA_RETRY = { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' } as const
/** The wait the activity asks for after our own database failed it. */
export const INFRA_RETRY_MS = 5_000

export const SYNC_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '15 seconds',
  retry: { ...INFRA_RETRY },
}
