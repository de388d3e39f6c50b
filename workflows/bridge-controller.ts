// The bridge workflow's state and its steps; bridge.ts tells the story with them.
// `status` mirrors the bridges row (the activities write it and hand it back); `mode` is
// the admin's word (running, paused, disabled) and wins over it in every view.
import {
  ActivityFailure, ApplicationFailure, CancellationScope, condition, isCancellation, proxyActivities, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow'
import type { Activities } from '../activities'
import type { StatusPatch } from '../activities/bridge-state'
import type { AttemptReport, BridgeStatus, BridgeWorkflowInput, Schedule } from './bridge.messages'
import { backoffOf, maxFailuresOf, QUICK, syncActivity } from './policies'
import { BRIDGE_ID, BRIDGE_PROVIDER, BRIDGE_STATE, ORGANIZATION_ID } from './search-attributes'

const { saveBridgeStatus } = proxyActivities<Activities>(QUICK)

type Mode = 'running' | 'paused' | 'disabled'

export class BridgeController {
  schedule: Schedule
  syncRequested: boolean
  mode: Mode
  private status: BridgeStatus
  private inFlight: { syncId: string; scope: CancellationScope } | null = null
  private syncs = 0
  /** Bumped by every message, so a wait re-reads the schedule. */
  private changes = 0
  private published: string | null = null
  /** Status writes run one after another, in the order the messages arrived. */
  private saves: Promise<unknown> = Promise.resolve()

  constructor(private readonly input: BridgeWorkflowInput) {
    const { state } = input.status
    this.status = input.status
    this.mode = state === 'paused' || state === 'disabled' ? state : 'running'
    this.schedule = input.schedule
    this.syncRequested = input.syncRequested ?? false
  }

  view(): BridgeStatus {
    return this.mode === 'running' ? this.status : { ...this.status, state: this.mode, nextSyncAt: null }
  }

  /** The input of the next run (continue-as-new). */
  carry(): BridgeWorkflowInput {
    return { ...this.input, schedule: this.schedule, status: this.view(), syncRequested: this.syncRequested }
  }

  /** Sets every search attribute (a continued run starts from the client's copy). */
  publishAll(): void {
    const { bridgeId, organizationId, provider } = this.input
    upsertSearchAttributes([
      { key: BRIDGE_ID, value: bridgeId }, { key: ORGANIZATION_ID, value: organizationId }, { key: BRIDGE_PROVIDER, value: provider },
    ])
    this.publish()
  }

  /** Returns when a sync is due, or when the history grows long enough to continue-as-new. */
  async waitForWork(): Promise<void> {
    const stop = () => this.msUntilDue() === 0 || workflowInfo().continueAsNewSuggested
    while (!stop()) {
      const seen = this.changes
      const ms = this.msUntilDue()
      const woken = () => this.changes !== seen || stop()
      await (ms === undefined ? condition(woken) : condition(woken, ms))
    }
  }

  /** One sync: the activity retries with backoff on its own; we learn of attempts by signal. */
  async sync(): Promise<void> {
    await this.saves // an admin's status write lands before the attempt's own
    const syncId = `${workflowInfo().runId}/${++this.syncs}`
    const failuresBefore = this.status.consecutiveFailures
    const { syncBridge } = proxyActivities<Activities>(syncActivity(this.schedule, failuresBefore))
    const { bridgeId, organizationId } = this.input
    this.syncRequested = false
    this.adopt({ ...this.status, state: 'syncing', nextSyncAt: null })
    this.inFlight = { syncId, scope: new CancellationScope() }
    try {
      const input = { bridgeId, organizationId, syncId, failuresBefore, backoff: backoffOf(this.schedule), maxConsecutiveFailures: maxFailuresOf(this.schedule) }
      this.adopt((await this.inFlight.scope.run(() => syncBridge(input))).status)
    } catch (err) {
      if (!isCancellation(err)) await this.failed(err)
    } finally {
      this.inFlight = null
    }
  }

  onAttempt(report: AttemptReport): void {
    if (this.inFlight?.syncId !== report.syncId || this.mode !== 'running') return // a stale or cancelled attempt
    this.adopt(report.status)
    this.skipBackoffIfAsked()
  }

  /** A sync-now while Temporal waits to retry: cancel the wait, the loop starts a new attempt at once. */
  skipBackoffIfAsked(): void {
    if (this.syncRequested && this.status.state === 'failed') this.inFlight?.scope.cancel()
  }

  /** Stops an attempt in flight or a pending retry (pause). */
  cancelSync(): void {
    this.inFlight?.scope.cancel()
  }

  get syncing(): boolean {
    return this.inFlight !== null
  }

  /** Persists a status change; the row's resulting status comes back. */
  save(patch: StatusPatch): Promise<BridgeStatus> {
    const { bridgeId, organizationId } = this.input
    const saved = this.saves.then(() => saveBridgeStatus({ bridgeId, organizationId, patch }))
    this.saves = saved.catch(() => undefined)
    return saved.then((status) => (this.adopt(status), this.view()))
  }

  touched(): void {
    this.changes++
    this.publish()
  }

  /** The activity's final failure: its last attempt reported the counter; at the limit, disable. */
  private async failed(err: unknown): Promise<void> {
    const cause = err instanceof ActivityFailure ? err.cause : undefined
    const reported = cause instanceof ApplicationFailure ? (cause.details?.[0] as BridgeStatus | undefined) : undefined
    const max = maxFailuresOf(this.schedule)
    // No report: the last attempt timed out (its worker died), so every attempt was used.
    const lastError = reported?.lastError ?? `the last attempt did not finish: ${cause?.message ?? String(err)}`
    this.adopt(reported ?? { ...this.status, state: 'failed', consecutiveFailures: max, lastError })
    if (this.status.consecutiveFailures < max) return
    this.mode = 'disabled'
    this.touched()
    await this.save({ state: 'disabled', consecutiveFailures: this.status.consecutiveFailures, nextSyncAt: null, lastError })
  }

  private adopt(status: BridgeStatus): void {
    this.status = status
    this.publish()
  }

  private publish(): void {
    const { state } = this.view()
    if (state === this.published) return
    upsertSearchAttributes([{ key: BRIDGE_STATE, value: state }])
    this.published = state
  }

  /** 0 = due now; undefined = not before an admin acts (paused, disabled). */
  private msUntilDue(): number | undefined {
    if (this.mode !== 'running') return undefined
    if (this.syncRequested || this.status.nextSyncAt === null) return 0
    return Math.max(0, Date.parse(this.status.nextSyncAt) - Date.now())
  }
}
