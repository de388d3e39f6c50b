// Named activity option sets: retries and timeouts are decided here, once.
import type { ActivityOptions } from '@temporalio/workflow'
import { INFRA_RETRY_MS } from '../bridge/backoff'

/**
 * Short calls to our own database (the workflow's status writes). Retried until they land:
 * a status write given up during a database outage would fail the workflow, and with it
 * the bridge, for good.
 */
export const QUICK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
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
export const INFRA_RETRY = { initialInterval: INFRA_RETRY_MS, backoffCoefficient: 2, maximumInterval: '1 minute' } as const

export const SYNC_ACTIVITY: ActivityOptions = {
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '15 seconds',
  retry: { ...INFRA_RETRY },
}
