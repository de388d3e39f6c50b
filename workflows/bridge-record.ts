// What a bridge workflow knows of its bridge, and how it keeps the bridges row and the
// BridgeState search attribute in step. `status` mirrors the row (activities write it
// and hand it back); `mode` is the admin's word and wins over it in every view.
import { proxyActivities, upsertSearchAttributes } from '@temporalio/workflow'
import type { Activities } from '../activities'
import type { StatusPatch } from '../activities/bridge-state'
import type { BridgeStatus, BridgeWorkflowInput, Schedule } from './bridge.messages'
import { rescheduled } from './bridge-rules'
import { QUICK } from './policies'
import { BRIDGE_ID, BRIDGE_PROVIDER, BRIDGE_STATE, ORGANIZATION_ID } from './search-attributes'

const { saveBridgeStatus } = proxyActivities<Activities>(QUICK)

export class BridgeRecord {
  mode: 'running' | 'paused' | 'disabled'
  schedule: Schedule
  syncRequested: boolean
  protected status: BridgeStatus
  /** Bumped on every change, so a wait re-reads the schedule. */
  protected changes = 0
  /** Status writes run one after another, in the order they were asked for. */
  protected saves: Promise<unknown> = Promise.resolve()
  private published: string | null = null

  constructor(protected readonly input: BridgeWorkflowInput) {
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

  /** Persists a status change; answers the view that results. */
  save(patch: StatusPatch): Promise<BridgeStatus> {
    const { bridgeId, organizationId } = this.input
    const saved = this.saves.then(() => saveBridgeStatus({ bridgeId, organizationId, patch })).then((status) => {
      this.adopt(status)
      return this.view()
    })
    this.saves = saved.catch(() => undefined)
    return saved
  }

  /** Brings the next sync forward when the interval got shorter. */
  reschedule(): Promise<BridgeStatus> {
    const nextSyncAt = rescheduled(this.view(), this.schedule, Date.now())
    return nextSyncAt ? this.save({ nextSyncAt }) : Promise.resolve(this.view())
  }

  /** After any change: wake the wait, publish the state if it moved. */
  touched(): void {
    this.changes++
    const { state } = this.view()
    if (state === this.published) return
    upsertSearchAttributes([{ key: BRIDGE_STATE, value: state }])
    this.published = state
  }

  protected adopt(status: BridgeStatus): void {
    this.status = status
    this.touched()
  }
}
