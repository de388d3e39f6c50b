// What a bridge workflow does: wait until a sync is due, run it, follow its attempts.
import { CancellationScope, condition, isCancellation, proxyActivities, workflowInfo } from '@temporalio/workflow'
import type { Activities } from '../activities'
import type { AttemptReport } from './bridge.messages'
import { BridgeRecord } from './bridge-record'
import { statusAfterFailure } from './bridge-rules'
import { backoffOf, maxFailuresOf, SYNC_ACTIVITY } from './policies'

const { syncBridge } = proxyActivities<Activities>(SYNC_ACTIVITY)

export class BridgeController extends BridgeRecord {
  private inFlight: { syncId: string; scope: CancellationScope } | null = null
  private syncs = 0

  /** Returns when a sync is due, or when the history is long enough to continue-as-new. */
  async waitForWork(): Promise<void> {
    const done = () => this.msUntilDue() === 0 || workflowInfo().continueAsNewSuggested
    while (!done()) {
      const seen = this.changes
      const ms = this.msUntilDue()
      const woken = () => this.changes !== seen || done()
      await (ms === undefined ? condition(woken) : condition(woken, ms))
    }
  }

  /** One sync. Temporal retries the activity with backoff; its attempts report by signal. */
  async sync(): Promise<void> {
    await this.saves // an admin's status write lands before the attempt's own
    if (this.mode !== 'running') return // paused meanwhile
    const { schedule } = this
    const syncId = `${workflowInfo().runId}/${++this.syncs}`
    const input = { ...this.ids(), syncId, backoff: backoffOf(schedule), maxConsecutiveFailures: maxFailuresOf(schedule) }
    this.syncRequested = false
    this.adopt({ ...this.status, state: 'syncing', nextSyncAt: null })
    this.inFlight = { syncId, scope: new CancellationScope() }
    try {
      this.adopt((await this.inFlight.scope.run(() => syncBridge(input))).status)
      if (this.schedule !== schedule) await this.reschedule() // configured while it ran
    } catch (err) {
      if (!isCancellation(err)) await this.failed(err) // cancelled: the admin action that did it set the state
    } finally {
      this.inFlight = null
    }
  }

  onAttempt(report: AttemptReport): void {
    if (this.inFlight?.syncId !== report.syncId || this.mode !== 'running') return // stale, or held by an admin
    this.adopt(report.status)
    this.skipBackoffIfAsked()
  }

  /**
   * A sync-now while Temporal waits to retry: drop the wait; the loop starts a new attempt
   * at once. `waitingForRetry` is Temporal's word (the admin API read the pending activity):
   * after a lost worker no attempt could report its failure here.
   */
  skipBackoffIfAsked(waitingForRetry = false): void {
    if (this.syncRequested && (waitingForRetry || this.status.state === 'failed')) this.inFlight?.scope.cancel()
  }

  /** Stops an attempt in flight, or Temporal's pending retry. */
  cancelSync(): void {
    this.inFlight?.scope.cancel()
  }

  get attemptRunning(): boolean {
    return this.inFlight !== null && this.status.state === 'syncing'
  }

  private async failed(err: unknown): Promise<void> {
    const max = maxFailuresOf(this.schedule)
    this.adopt(statusAfterFailure(err, this.status, backoffOf(this.schedule), Date.now()))
    if (this.status.consecutiveFailures < max) return // non-retryable: waiting for nextSyncAt is the backoff
    this.mode = 'disabled'
    this.touched()
    const { consecutiveFailures, lastError } = this.status
    await this.save({ state: 'disabled', consecutiveFailures, nextSyncAt: null, lastError })
  }

  private ids() {
    return { bridgeId: this.input.bridgeId, organizationId: this.input.organizationId }
  }

  /** 0 = due now; undefined = not before an admin acts. */
  private msUntilDue(): number | undefined {
    if (this.mode !== 'running') return undefined
    if (this.syncRequested || this.status.nextSyncAt === null) return 0
    return Math.max(0, Date.parse(this.status.nextSyncAt) - Date.now())
  }
}
