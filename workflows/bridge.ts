// One workflow per bridge (id bridge-<bridgeId>): sync, wait for the interval or an admin,
// sync again; for years, thanks to continue-as-new. The state machine is BridgeMachine;
// this file wires its messages and runs its loop. Admin actions are Updates: validated
// first (a refused one never enters the history), and answered once the new state is
// persisted, so the admin API shows the bridge as it is after the action.
import type { UpdateDefinition } from '@temporalio/common'
import { allHandlersFinished, ApplicationFailure, condition, makeContinueAsNewFunc, setHandler, workflowInfo } from '@temporalio/workflow'
import { BridgeMachine } from './bridge-machine'
import type { BridgeMemo } from './metadata'
import {
  configureUpdate, enableUpdate, pauseUpdate, reportAttemptSignal, resumeUpdate, stateQuery, syncNowUpdate,
  type AdminAction, type BridgeStatus, type BridgeWorkflowInput, type SyncNowOptions,
} from '../bridge/messages'
import { refusal } from './bridge-rules'

export async function bridgeWorkflow(input: BridgeWorkflowInput): Promise<void> {
  const bridge = new BridgeMachine(input, workflowInfo().memo as BridgeMemo | undefined)
  listen(bridge)
  bridge.publishAll()
  for (;;) {
    await bridge.waitForWork()
    if (workflowInfo().continueAsNewSuggested) break
    await bridge.sync()
  }
  // Messages in progress finish in this run; the next run starts from their result.
  await condition(allHandlersFinished)
  const { memo } = bridge // with this run's last sync
  await makeContinueAsNewFunc<typeof bridgeWorkflow>({ memo, typedSearchAttributes: workflowInfo().typedSearchAttributes })(bridge.carry())
}

function listen(bridge: BridgeMachine): void {
  setHandler(stateQuery, () => bridge.view())
  setHandler(reportAttemptSignal, (report) => bridge.onAttempt(report))
  setHandler(configureUpdate, (schedule, label) => bridge.configure(schedule, label))
  admin(pauseUpdate, 'pause', () => bridge.pause())
  admin(resumeUpdate, 'resume', () => bridge.resume())
  admin(enableUpdate, 'enable', () => bridge.enable())
  admin(syncNowUpdate, 'syncNow', (options) => bridge.syncNow(options))

  // Only sync-now takes an argument (its options); the others ignore it.
  function admin(update: UpdateDefinition<BridgeStatus, []> | typeof syncNowUpdate, action: AdminAction, run: (options?: SyncNowOptions) => BridgeStatus | Promise<BridgeStatus>) {
    const validator = (_options?: SyncNowOptions) => {
      const why = refusal(action, bridge.view())
      if (why) throw ApplicationFailure.create({ message: why, type: 'Refused', nonRetryable: true })
    }
    setHandler(update as typeof syncNowUpdate, async (options?: SyncNowOptions) => run(options), { validator })
  }
}
