// Named activity option sets: retries and timeouts are decided here, once.
import type { ActivityOptions } from '@temporalio/workflow'

/** Short calls to our own database. */
export const QUICK: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
}
