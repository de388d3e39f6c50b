// The bridge workflow's pure rules and its sync activity's retry policy.
import { expect, test } from 'bun:test'
import { ActivityFailure, ApplicationFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common'
import { refusal, rescheduled, statusAfterFailure } from '../../../workflows/bridge-rules'
import type { AdminAction, BridgeState, BridgeStatus } from '../../../bridge/messages'
import { backoffOf } from '../../../bridge/backoff'
import { SYNC_ACTIVITY } from '../../../workflows/policies'

const status = (state: BridgeState, consecutiveFailures = 0): BridgeStatus => ({ state, consecutiveFailures, nextSyncAt: null, lastError: null })

test.each([
  ['syncNow', 'active', null],
  ['syncNow', 'failed', null],
  ['syncNow', 'syncing', null],
  ['syncNow', 'pending', null],
  ['syncNow', 'paused', 'the bridge is paused: resume it to sync'],
  ['syncNow', 'disabled', 'the bridge is disabled after 10 consecutive failures: enable it to sync'],
  ['pause', 'active', null],
  ['pause', 'paused', null],
  ['pause', 'disabled', 'the bridge is disabled after 10 consecutive failures; enable it instead of pausing it'],
  ['resume', 'paused', null],
  ['resume', 'active', 'the bridge is not paused (it is active)'],
  ['enable', 'disabled', null],
  ['enable', 'failed', 'the bridge is not disabled (it is failed); only a disabled bridge can be enabled'],
] as [AdminAction, BridgeState, string | null][])('%s when %s: %p', (action, state, expected) => {
  expect(refusal(action, status(state, 10))).toBe(expected)
})

test('a shorter interval brings the next sync forward; a longer one keeps it', () => {
  const now = Date.parse('2030-01-01T00:00:00Z')
  const waiting = { ...status('active'), nextSyncAt: '2030-01-01T01:00:00.000Z' }
  expect(rescheduled(waiting, { intervalSeconds: 60, retry: {} }, now)).toBe('2030-01-01T00:01:00.000Z')
  expect(rescheduled(waiting, { intervalSeconds: 7200, retry: {} }, now)).toBeNull()
  // A failing bridge keeps its backoff.
  expect(rescheduled({ ...waiting, state: 'failed' }, { intervalSeconds: 60, retry: {} }, now)).toBeNull()
})

test('the failed activity hands over the status its last attempt wrote', () => {
  const written = { state: 'failed', consecutiveFailures: 4, nextSyncAt: '2030-01-01T00:00:08.000Z', lastError: 'non-retryable: okta: 401' } as const
  const err = new ActivityFailure('failed', 'syncBridge', '1', RetryState.NON_RETRYABLE_FAILURE, undefined,
    ApplicationFailure.create({ message: 'x', nonRetryable: true, details: [written] }))
  expect(statusAfterFailure(err, status('syncing', 3), { initialMs: 1000, maximumMs: 60_000 }, 0)).toEqual(written)
})

test('without a report (nothing should end the activity so) the failure counts once and the next sync waits for the backoff', () => {
  const err = new ActivityFailure('failed', 'syncBridge', '1', RetryState.NON_RETRYABLE_FAILURE, undefined,
    new TimeoutFailure('activity ScheduleToClose timeout', undefined, TimeoutType.SCHEDULE_TO_CLOSE))
  const now = Date.parse('2030-01-01T00:00:00Z')
  expect(statusAfterFailure(err, status('syncing', 3), { initialMs: 1000, maximumMs: 60_000 }, now)).toEqual({
    state: 'failed', consecutiveFailures: 4, nextSyncAt: '2030-01-01T00:00:08.000Z', lastError: 'the last attempt did not finish: activity ScheduleToClose timeout',
  })
})

test('the sync retry policy: seconds for a lost worker, no attempt limit (the activity counts), the backoff from the bridge settings', () => {
  const schedule = { intervalSeconds: 300, retry: { initialIntervalSeconds: 10, maximumIntervalSeconds: 3600 } }
  expect(backoffOf(schedule)).toEqual({ initialMs: 10_000, maximumMs: 3_600_000 })
  // Defaults: the interval, capped at 24 h.
  expect(backoffOf({ intervalSeconds: 3600, retry: {} })).toEqual({ initialMs: 3_600_000, maximumMs: 86_400_000 })
  expect(SYNC_ACTIVITY.retry).toEqual({ initialInterval: 5_000, backoffCoefficient: 2, maximumInterval: '1 minute' })
  expect(SYNC_ACTIVITY.heartbeatTimeout).toBe('15 seconds')
})
