// One workflow per webhook endpoint (id webhook-<endpointId>): deliver the organization's
// events in order, for as long as the endpoint exists. The delivery activity waits for
// events, sends a batch and records how far it got; Temporal's retry policy, shaped by
// the endpoint's `retry`, spaces out the attempts while the receiver fails, and the
// activity disables the endpoint at its failure limit. Admin actions are Updates that
// persist the new state before answering; pausing or replaying cancels the delivery in
// flight (what it already sent stays sent: delivery is at least once).
import {
  ActivityFailure, allHandlersFinished, ApplicationFailure, CancellationScope, condition, isCancellation, makeContinueAsNewFunc,
  patched, proxyActivities, setCurrentDetails, setHandler, upsertMemo, upsertSearchAttributes, workflowInfo,
} from '@temporalio/workflow'
import type { Activities } from '../activities'
import {
  configureWebhookUpdate, deliveryRetryPolicy, enableWebhookUpdate, pauseWebhookUpdate, replayWebhookUpdate, resumeWebhookUpdate, webhookStateQuery,
  type WebhookRetry, type WebhookState, type WebhookStatus, type WebhookWorkflowInput,
} from '../webhook/messages'
import { ORGANIZATION_ID, WEBHOOK_ID, WEBHOOK_STATE } from '../webhook/search-attributes'
import { QUICK } from './policies'
import { memoAfter, webhookDetails, type WebhookMemo } from './metadata'

const { saveWebhookStatus } = proxyActivities<Activities>(QUICK)

/** The delivery activity's options: the endpoint's backoff, no attempt limit (the activity counts failures). */
function deliveryActivity(retry: WebhookRetry) {
  return proxyActivities<Activities>({ startToCloseTimeout: '10 minutes', heartbeatTimeout: '30 seconds', retry: deliveryRetryPolicy(retry) }).deliverWebhooks
}

export async function webhookWorkflow(input: WebhookWorkflowInput): Promise<void> {
  const { endpointId, organizationId } = input
  let status = input.status
  let retry = input.retry
  let inFlight: CancellationScope | null = null
  /** Bumped by every admin action, so a delivery's late answer does not undo it. */
  let actions = 0
  let lastDelivery: { events: number; at: string } | null = null

  /** Carried to the next run; `configure` brings a new URL. */
  let memo = workflowInfo().memo as WebhookMemo | undefined
  // The current details (Temporal UI) add no command: they are answered by a query.
  const describe = () => setCurrentDetails(webhookDetails(memo, status, lastDelivery))
  // The state search attribute is written when it moves, not after every delivery (each
  // write is a command and an event). Runs started before this rule replay without it.
  let published: WebhookState | null = null
  const publish = () => {
    describe()
    if (status.state === published && patched('publish-state-changes-only')) return
    upsertSearchAttributes([{ key: WEBHOOK_STATE, value: status.state }])
    published = status.state
  }
  upsertSearchAttributes([{ key: WEBHOOK_ID, value: endpointId }, { key: ORGANIZATION_ID, value: organizationId }])
  publish()

  /** Admin actions whose status write is still in flight. */
  let saving = 0
  const save = async (patch: Partial<WebhookStatus> & { cursorSeq?: number }) => {
    actions++
    saving++
    try {
      status = await saveWebhookStatus({ endpointId, ...patch })
    } finally {
      saving--
    }
    publish()
    return status
  }
  const only = (...states: WebhookState[]) => () => {
    if (!states.includes(status.state)) {
      throw ApplicationFailure.create({ message: `the endpoint is ${status.state}`, type: 'Refused', nonRetryable: true })
    }
  }

  setHandler(webhookStateQuery, () => status)
  setHandler(pauseWebhookUpdate, () => (inFlight?.cancel(), save({ state: 'paused' })), { validator: only('active') })
  setHandler(resumeWebhookUpdate, () => save({ state: 'active' }), { validator: only('paused') })
  setHandler(enableWebhookUpdate, () => save({ state: 'active', consecutiveFailures: 0, lastError: null }), { validator: only('disabled') })
  setHandler(replayWebhookUpdate, (afterSeq) => (inFlight?.cancel(), save({ cursorSeq: afterSeq })))
  setHandler(configureWebhookUpdate, (next, label) => {
    retry = next
    if (label && memo) {
      memo = memoAfter(memo, { url: label.url })
      if (patched('memo-follows-changes')) upsertMemo({ url: label.url }) // the Temporal UI's memo too
    }
    describe()
    inFlight?.cancel() // the next attempt runs with the new backoff, to the new URL, at once
    return status
  })

  while (!workflowInfo().continueAsNewSuggested) {
    await condition(() => status.state === 'active' || workflowInfo().continueAsNewSuggested)
    if (status.state !== 'active') break
    // A replay cancels the delivery and writes the cursor back: the next delivery must
    // start from that cursor, not race its write (it would wait out a whole poll on the
    // old one). Runs started before this rule replay without it.
    if (patched('deliver-after-admin-writes')) await condition(() => saving === 0)
    inFlight = new CancellationScope()
    const seen = actions
    try {
      const result = await inFlight.run(() => deliveryActivity(retry)({ endpointId }))
      if (actions === seen) status = result.status
      if (result.delivered > 0) lastDelivery = { events: result.delivered, at: new Date().toISOString() }
      publish()
    } catch (err) {
      if (isCancellation(err)) continue
      const cause = err instanceof ActivityFailure ? err.cause : undefined
      if (!(cause instanceof ApplicationFailure) || cause.type !== 'WebhookDisabled') throw err
      status = (cause.details?.[0] as WebhookStatus | undefined) ?? { ...status, state: 'disabled' }
      publish()
    } finally {
      inFlight = null
    }
  }
  await condition(allHandlersFinished)
  const { typedSearchAttributes } = workflowInfo()
  await makeContinueAsNewFunc<typeof webhookWorkflow>({ memo, typedSearchAttributes })({ ...input, retry, status })
}
