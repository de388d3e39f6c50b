// A bridge's state machine, as its workflow runs it: wait until a sync is due, run it,
// follow its attempts, obey the admin. `status` mirrors the bridges row (activities write
// it and hand it back); `mode` is the admin's word and wins over it in every view. The
// row and the BridgeState search attribute are kept in step with every change.
import { CancellationScope, condition, isCancellation, patched, proxyActivities, setCurrentDetails, upsertMemo, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow'
import type { Activities } from '../activities'
import type { StatusPatch } from '../activities/bridge-state'
import type { AttemptReport, BridgeLabel, BridgeStatus, BridgeWorkflowInput, Schedule, SyncNowOptions } from '../bridge/messages'
import { rescheduled, statusAfterFailure } from './bridge-rules'
import { backoffOf, maxFailuresOf } from '../bridge/backoff'
import { QUICK, SYNC_ACTIVITY } from './policies'
import { bridgeDetails, type BridgeMemo, memoAfter } from './metadata'
import { BRIDGE_ID, BRIDGE_PROVIDER, BRIDGE_STATE, ORGANIZATION_ID } from '../bridge/search-attributes'

const { syncBridge } = proxyActivities<Activities>(SYNC_ACTIVITY)
const { saveBridgeStatus } = proxyActivities<Activities>(QUICK)

export class BridgeMachine {
  private mode: 'running' | 'paused' | 'disabled'
  private schedule: Schedule
  private syncRequested: boolean
  private status: BridgeStatus
  /** Bumped on every change, so a wait re-reads the schedule. */
  private changes = 0
  /** Status writes run one after another, in the order they were asked for. */
  private saves: Promise<unknown> = Promise.resolve()
  private published: string | null = null
  private inFlight: { syncId: string; scope: CancellationScope } | null = null
  private syncs = 0

  /** `memo`: the run's, for the Temporal UI's current details; it follows the last sync and the name, and goes to the next run. */
  constructor(private readonly input: BridgeWorkflowInput, public memo: BridgeMemo | undefined) {
    const { state } = input.status
    this.status = input.status
    this.mode = state === 'paused' || state === 'disabled' ? state : 'running'
    this.schedule = input.schedule
    this.syncRequested = input.syncRequested ?? false
  }

  view(): BridgeStatus {
    return this.mode === 'running' ? this.status : { ...this.status, state: this.mode, nextSyncAt: null }
  }

  /** The next run's input (continue-as-new). */
  carry(): BridgeWorkflowInput {
    return { ...this.input, schedule: this.schedule, status: this.view(), syncRequested: this.syncRequested }
  }

  /** Every search attribute, set by this run: a continued run must not rely on the client's copy. */
  publishAll(): void {
    const { bridgeId, organizationId, provider } = this.input
    upsertSearchAttributes([{ key: BRIDGE_ID, value: bridgeId }, { key: ORGANIZATION_ID, value: organizationId }, { key: BRIDGE_PROVIDER, value: provider }])
    this.touched()
  }

  // ---- The loop: wait, sync.

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

  /** One sync. Temporal retries the activity (policies.ts); its attempts report by signal. */
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
      const { status } = await this.inFlight.scope.run(() => syncBridge(input))
      if (status.state === 'active') this.remember({ lastSyncAt: new Date().toISOString() })
      this.adopt(status)
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

  // ---- The admin's actions (Updates: validated by bridge-rules' refusal first).

  pause(): Promise<BridgeStatus> | BridgeStatus {
    if (this.mode === 'paused') return this.view()
    this.mode = 'paused'
    this.inFlight?.scope.cancel() // an attempt in flight, or Temporal's pending retry
    return this.saveTouched({ state: 'paused', nextSyncAt: null })
  }

  /** Resume and enable sync at once: the bridge an admin comes back to is fresh. */
  resume(): Promise<BridgeStatus> {
    this.mode = 'running'
    this.syncRequested = true
    return this.saveTouched({ state: 'syncing', nextSyncAt: null })
  }

  enable(): Promise<BridgeStatus> {
    this.mode = 'running'
    this.syncRequested = true
    return this.saveTouched({ state: 'syncing', consecutiveFailures: 0, nextSyncAt: null })
  }

  /** An attempt running now is not interrupted: another sync follows it. One waiting for a retry starts now. */
  syncNow(options: SyncNowOptions = {}): Promise<BridgeStatus> | BridgeStatus {
    this.syncRequested = true
    this.skipBackoffIfAsked(options.waitingForRetry)
    if (this.attemptRunning && !options.waitingForRetry) {
      this.touched()
      return this.view()
    }
    return this.saveTouched({ state: 'syncing', nextSyncAt: null })
  }

  /** Settings and excluded emails are read from Postgres by every sync; the schedule lives here, the name in the memo. */
  configure(schedule: Schedule, label?: BridgeLabel): Promise<BridgeStatus> {
    this.schedule = schedule
    if (label) this.remember({ name: label.name ?? undefined })
    this.touched()
    return this.reschedule()
  }

  // ---- Inside.

  /**
   * A sync-now while Temporal waits to retry: drop the wait; the loop starts a new attempt
   * at once. `waitingForRetry` is Temporal's word (the admin API read the pending activity):
   * after a lost worker no attempt could report its failure here.
   */
  private skipBackoffIfAsked(waitingForRetry = false): void {
    if (this.syncRequested && (waitingForRetry || this.status.state === 'failed')) this.inFlight?.scope.cancel()
  }

  private get attemptRunning(): boolean {
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

  /** Brings the next sync forward when the interval got shorter. */
  private reschedule(): Promise<BridgeStatus> {
    const nextSyncAt = rescheduled(this.view(), this.schedule, Date.now())
    return nextSyncAt ? this.save({ nextSyncAt }) : Promise.resolve(this.view())
  }

  /** An admin's change: the wait wakes and the state is published now; the write follows. */
  private saveTouched(patch: StatusPatch): Promise<BridgeStatus> {
    const saved = this.save(patch)
    this.touched()
    return saved
  }

  /** Persists a status change; answers the view that results. */
  private save(patch: StatusPatch): Promise<BridgeStatus> {
    const saved = this.saves.then(() => saveBridgeStatus({ ...this.ids(), patch })).then((status) => {
      this.adopt(status)
      return this.view()
    })
    this.saves = saved.catch(() => undefined)
    return saved
  }

  /** After any change: wake the wait, show it in the Temporal UI, publish the state if it moved. */
  private touched(): void {
    this.changes++
    const view = this.view()
    setCurrentDetails(bridgeDetails(this.memo, view)) // no command: answered by a query
    const { state } = view
    if (state === this.published) return
    upsertSearchAttributes([{ key: BRIDGE_STATE, value: state }])
    this.published = state
  }

  /**
   * A change of the memo: this run's copy (the current details, the next run) and, so the
   * Temporal UI's memo does not say "never" after a sync, the workflow's own. Runs started
   * before this rule replay without the upsert. `undefined` removes a key.
   */
  private remember(changes: Partial<BridgeMemo>): void {
    if (!this.memo) return
    this.memo = memoAfter(this.memo, changes)
    if (patched('memo-follows-changes')) upsertMemo(changes)
  }

  private adopt(status: BridgeStatus): void {
    this.status = status
    this.touched()
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
