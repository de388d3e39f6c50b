// One workflow per bridge (id bridge-<bridgeId>): sync, wait for the interval or an admin,
// sync again; for years, thanks to continue-as-new. The backoff is the sync activity's
// Temporal retry policy (workflows/policies.ts); admin actions are Updates, validated
// first, so a refused action (sync while paused) never enters the history.
import {
  allHandlersFinished, ApplicationFailure, condition, makeContinueAsNewFunc, setHandler, workflowInfo,
} from '@temporalio/workflow'
import type { UpdateDefinition } from '@temporalio/common'
import { BridgeController } from './bridge-controller'
import {
  configureUpdate, enableUpdate, pauseUpdate, reportAttemptSignal, resumeUpdate, stateQuery, syncNowUpdate,
  type AdminAction, type BridgeStatus, type BridgeWorkflowInput,
} from './bridge.messages'
import { refusal, rescheduled } from './bridge-rules'

export async function bridgeWorkflow(input: BridgeWorkflowInput): Promise<void> {
  const bridge = new BridgeController(input)
  listen(bridge)
  bridge.publishAll()
  for (;;) {
    await bridge.waitForWork()
    if (workflowInfo().continueAsNewSuggested) break
    await bridge.sync()
  }
  // Messages being handled finish in this run; the next run starts from their result.
  await condition(allHandlersFinished)
  const { memo, typedSearchAttributes } = workflowInfo()
  await makeContinueAsNewFunc<typeof bridgeWorkflow>({ memo, typedSearchAttributes })(bridge.carry())
}

function listen(bridge: BridgeController): void {
  setHandler(stateQuery, () => bridge.view())
  setHandler(reportAttemptSignal, (report) => {
    bridge.onAttempt(report)
    bridge.touched()
  })
  admin(pauseUpdate, 'pause', () => {
    if (bridge.mode === 'paused') return bridge.view()
    bridge.mode = 'paused'
    bridge.cancelSync() // an attempt in flight, or Temporal's pending retry
    return bridge.save({ state: 'paused', nextSyncAt: null })
  })
  // Resume and enable sync at once: the state an admin comes back to is fresh.
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
  admin(syncNowUpdate, 'syncNow', () => {
    bridge.syncRequested = true
    bridge.skipBackoffIfAsked()
    // An attempt running now is not interrupted: another sync follows it.
    return bridge.syncing && bridge.view().state === 'syncing' ? bridge.view() : bridge.save({ state: 'syncing', nextSyncAt: null })
  })
  setHandler(configureUpdate, async (schedule) => {
    bridge.schedule = schedule
    bridge.touched()
    const nextSyncAt = rescheduled(bridge.view(), schedule, Date.now())
    return nextSyncAt ? bridge.save({ nextSyncAt }) : bridge.view()
  })

  function admin(update: UpdateDefinition<BridgeStatus, []>, action: AdminAction, run: () => BridgeStatus | Promise<BridgeStatus>) {
    const validator = () => {
      const why = refusal(action, bridge.view())
      if (why) throw ApplicationFailure.create({ message: why, type: 'Refused', nonRetryable: true })
    }
    setHandler(update, async () => {
      const result = run()
      bridge.touched()
      return result
    }, { validator })
  }
}
