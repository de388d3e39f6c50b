// One workflow per bridge (id bridge-<bridgeId>): sync, wait for the interval or an admin,
// sync again; for years, thanks to continue-as-new. The backoff is the sync activity's
// Temporal retry policy (workflows/policies.ts). Admin actions are Updates: validated
// first (a refused one never enters the history), and answered once the new state is
// persisted, so the admin API shows the bridge as it is after the action.
import type { UpdateDefinition } from '@temporalio/common'
import { allHandlersFinished, ApplicationFailure, condition, makeContinueAsNewFunc, setHandler, workflowInfo } from '@temporalio/workflow'
import { BridgeController } from './bridge-controller'
import {
  configureUpdate, enableUpdate, pauseUpdate, reportAttemptSignal, resumeUpdate, stateQuery, syncNowUpdate,
  type AdminAction, type BridgeStatus, type BridgeWorkflowInput, type SyncNowOptions,
} from './bridge.messages'
import { refusal } from './bridge-rules'

export async function bridgeWorkflow(input: BridgeWorkflowInput): Promise<void> {
  const bridge = new BridgeController(input)
  listen(bridge)
  bridge.publishAll()
  for (;;) {
    await bridge.waitForWork()
    if (workflowInfo().continueAsNewSuggested) break
    await bridge.sync()
  }
  // Messages in progress finish in this run; the next run starts from their result.
  await condition(allHandlersFinished)
  const { memo, typedSearchAttributes } = workflowInfo()
  await makeContinueAsNewFunc<typeof bridgeWorkflow>({ memo, typedSearchAttributes })(bridge.carry())
}

function listen(bridge: BridgeController): void {
  setHandler(stateQuery, () => bridge.view())
  setHandler(reportAttemptSignal, (report) => bridge.onAttempt(report))
  setHandler(configureUpdate, (schedule) => {
    bridge.schedule = schedule // settings and excluded emails are read from Postgres by every sync
    bridge.touched()
    return bridge.reschedule()
  })
  admin(pauseUpdate, 'pause', () => {
    if (bridge.mode === 'paused') return bridge.view()
    bridge.mode = 'paused'
    bridge.cancelSync()
    return bridge.save({ state: 'paused', nextSyncAt: null })
  })
  // Resume and enable sync at once: the bridge an admin comes back to is fresh.
  admin(resumeUpdate, 'resume', () => {
    bridge.mode = 'running'
    bridge.syncRequested = true
    return bridge.save({ state: 'syncing', nextSyncAt: null })
  })
  admin(enableUpdate, 'enable', () => {
    bridge.mode = 'running'
    bridge.syncRequested = true
    return bridge.save({ state: 'syncing', consecutiveFailures: 0, nextSyncAt: null })
  })
  admin(syncNowUpdate, 'syncNow', (options) => {
    bridge.syncRequested = true
    bridge.skipBackoffIfAsked(options?.waitingForRetry)
    // An attempt running now is not interrupted: another sync follows it.
    return bridge.attemptRunning && !options?.waitingForRetry ? bridge.view() : bridge.save({ state: 'syncing', nextSyncAt: null })
  })

  // Only sync-now takes an argument (its options); the others ignore it.
  function admin(update: UpdateDefinition<BridgeStatus, []> | typeof syncNowUpdate, action: AdminAction, run: (options?: SyncNowOptions) => BridgeStatus | Promise<BridgeStatus>) {
    const validator = (_options?: SyncNowOptions) => {
      const why = refusal(action, bridge.view())
      if (why) throw ApplicationFailure.create({ message: why, type: 'Refused', nonRetryable: true })
    }
    setHandler(update as typeof syncNowUpdate, async (options?: SyncNowOptions) => {
      const result = run(options)
      bridge.touched()
      return result
    }, { validator })
  }
}
