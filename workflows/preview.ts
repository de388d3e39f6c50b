// A bridge preview as a workflow of one activity: the directory is pulled by a worker,
// with the sync's connectors and Temporal's retries for a provider that asks for them
// (429, 5xx); bad credentials fail at once (the activity marks them non-retryable).
import { proxyActivities } from '@temporalio/workflow'
import type { Activities } from '../activities'
import type { PreviewInput, PreviewResult } from '../bridge/messages'

const { previewBridge } = proxyActivities<Activities>({
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 5 },
})

export async function previewWorkflow(input: PreviewInput): Promise<PreviewResult> {
  return previewBridge(input)
}
