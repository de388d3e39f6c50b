// Bridge previews for the admin API: what a sync would do now, written nowhere. The pull
// runs on a worker (workflows/preview.ts); a provider's refusal (bad credentials, a
// missing permission) comes back as a 400 that names the provider and what to fix.
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client'
import type { PreviewInput, PreviewResult } from '../../bridge/messages'
import { findBridge, sealSettings } from '../../bridge/store'
import type { previewWorkflow } from '../../workflows/preview'
import { InvalidInput, NotFound } from '../errors'
import { getOrganization } from '../organizations/store'
import { temporalUnavailable } from '../temporal'
import type { CreateBridge } from './model'
import { bridgeSecretsKey } from './service'
import type { BridgeDeps } from './workflows'

/** The activity's failures that are the caller's to fix, not ours. */
const CALLER_FAILURES = new Set(['ConnectorError', 'InvalidSettings', 'SecretsError'])

async function run(deps: BridgeDeps, input: PreviewInput): Promise<PreviewResult> {
  try {
    return await deps.temporal.client.workflow.execute<typeof previewWorkflow>('previewWorkflow', {
      taskQueue: deps.config.TEMPORAL_TASK_QUEUE,
      workflowId: `bridge-preview-${crypto.randomUUID()}`,
      args: [input],
      workflowExecutionTimeout: '11 minutes',
    })
  } catch (e) {
    const cause = e instanceof WorkflowFailedError && e.cause instanceof ActivityFailure ? e.cause.cause : undefined
    if (cause instanceof ApplicationFailure && CALLER_FAILURES.has(cause.type ?? '')) throw new InvalidInput(cause.message)
    throw temporalUnavailable(e)
  }
}

export async function previewSavedBridge(deps: BridgeDeps, id: string, orgId?: string): Promise<PreviewResult> {
  const row = await findBridge(deps.sql, id, orgId)
  if (!row) throw new NotFound(`bridge ${id} does not exist`)
  return run(deps, {
    organizationId: row.organizationId, bridgeId: row.id, excludedEmails: row.excludedEmails, maxDeactivationRatio: row.maxDeactivationRatio, syncGroups: row.syncGroups,
  })
}

/** A bridge about to be created (the create body): its settings travel sealed, under an id nothing else has. */
export async function previewNewBridge(deps: BridgeDeps, orgId: string, input: CreateBridge): Promise<PreviewResult> {
  const org = await getOrganization(deps.sql, orgId)
  const sealedAs = crypto.randomUUID()
  return run(deps, {
    organizationId: org.id, sealedAs, provider: input.provider, settingsEncrypted: sealSettings(sealedAs, input.settings, bridgeSecretsKey(deps.config)),
    excludedEmails: input.excludedEmails, maxDeactivationRatio: input.maxDeactivationRatio, syncGroups: input.syncGroups,
  })
}
