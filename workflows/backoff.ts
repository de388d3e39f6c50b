// Backoff arithmetic shared by the retry policy and the nextSyncAt shown to admins.
// Pure and import-free: it runs inside the workflow sandbox.

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
