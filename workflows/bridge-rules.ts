// The bridge state machine's pure rules (no Temporal imports: unit-tested directly).
import type { AdminAction, BridgeStatus, Schedule } from './bridge.messages'

/** Why an admin action is refused in this status (the admin API answers 409 with it), or null. */
export function refusal(action: AdminAction, status: BridgeStatus): string | null {
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
