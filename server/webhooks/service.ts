// Webhook endpoints as the admin API manages them: rows in Postgres, one workflow each
// (workflows/webhook.ts). Actions go through the workflow as Updates, so the state the
// API shows is the one the workflow persisted.
import { type Client, WorkflowNotFoundError } from '@temporalio/client'
import type { webhookWorkflow } from '../../workflows/webhook'
import { shownUrl, webhookMemo, webhookStaticDetails, webhookSummary } from '../../workflows/metadata'
import {
  DEFAULT_WEBHOOK_RETRY, enableWebhookUpdate, configureWebhookUpdate, pauseWebhookUpdate, replayWebhookUpdate, resumeWebhookUpdate, webhookWorkflowId,
  retryRefusal, type WebhookRetry, type WebhookWorkflowInput,
} from '../../webhook/messages'
import { ORGANIZATION_ID, WEBHOOK_ID, WEBHOOK_STATE } from '../../webhook/search-attributes'
import { secretsKeyFor } from '../../bridge/secrets'
import { withoutNulls } from '../bridges/model'
import type { Config } from '../config'
import type { Sql } from '../db/client'
import { InvalidInput, NotFound } from '../errors'
import { eventId, seqOf } from '../events/feed'
import { getOrganization } from '../organizations/store'
import { assertPublicUrl, OutboundRefused } from '../outbound'
import { onWorkflow, startAll, temporalUnavailable, type Temporal } from '../temporal'
import { send } from '../../webhook/send'
import {
  createEndpoint, deleteEndpoint, type EndpointInput, type EndpointProgress, endpointProgress, type EndpointRow, findEndpoint, listDeliveries, listEndpoints, openSecret,
  recordDeliveries, rotateSecret, updateEndpoint,
} from '../../webhook/store'

export type WebhookDeps = {
  sql: Sql
  config: Pick<Config, 'SECRETS_KEY' | 'TEMPORAL_TASK_QUEUE' | 'OUTBOUND_ALLOW_PRIVATE'>
  temporal: Temporal
}

export function toView(row: EndpointRow, progress: EndpointProgress) {
  return {
    id: row.id,
    organizationId: row.organizationId,
    url: row.url,
    eventTypes: row.eventTypes,
    description: row.description,
    state: row.state,
    consecutiveFailures: row.consecutiveFailures,
    lastError: row.lastError,
    // The values in force, defaults included.
    retry: { ...DEFAULT_WEBHOOK_RETRY, ...row.retry } satisfies Required<WebhookRetry>,
    /** The last event the endpoint is past (sent, skipped by type, or before its creation): where a replay would start from. */
    position: row.cursorSeq === '0' ? null : eventId(row.cursorSeq),
    ...progress,
    workflowId: webhookWorkflowId(row.id),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}
export type WebhookView = ReturnType<typeof toView>

/** Idempotent: a running workflow is kept; a missing one starts from the row's status. */
export async function startWebhookWorkflow(client: Client, taskQueue: string, row: EndpointRow, organizationName: string): Promise<void> {
  const memo = webhookMemo(organizationName, row)
  const input: WebhookWorkflowInput = {
    endpointId: row.id,
    organizationId: row.organizationId,
    retry: row.retry,
    status: { state: row.state, consecutiveFailures: row.consecutiveFailures, lastError: row.lastError },
  }
  await client.workflow.start<typeof webhookWorkflow>('webhookWorkflow', {
    taskQueue,
    workflowId: webhookWorkflowId(row.id),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: WEBHOOK_ID, value: row.id },
      { key: ORGANIZATION_ID, value: row.organizationId },
      { key: WEBHOOK_STATE, value: row.state },
    ],
    memo,
    // Neither can change later: they hold what never does; the URL is in the current details (workflows/metadata.ts).
    staticSummary: webhookSummary(memo),
    staticDetails: webhookStaticDetails(row),
  })
}

/** On worker start: every endpoint gets its workflow. */
export async function ensureWebhookWorkflows(client: Client, sql: Sql, taskQueue: string): Promise<number> {
  const rows = await sql<(EndpointRow & { organizationName: string })[]>`
    select e.*, o.name as organization_name from webhook_endpoints e join organizations o on o.id = e.organization_id`
  return startAll(rows, (row) => startWebhookWorkflow(client, taskQueue, row, row.organizationName))
}

async function checkedUrl(deps: WebhookDeps, url: string): Promise<void> {
  if (deps.config.OUTBOUND_ALLOW_PRIVATE) return
  try {
    await assertPublicUrl(new URL(url))
  } catch (e) {
    throw e instanceof OutboundRefused ? new InvalidInput(`url: ${e.message}`) : e
  }
}

const webhookSecretsKey = (config: WebhookDeps['config']) => secretsKeyFor(config.SECRETS_KEY, 'keep webhook signing secrets')

function checkedRetry(retry: WebhookRetry): void {
  const why = retryRefusal(retry)
  if (why) throw new InvalidInput(why)
}

export async function createWebhook(deps: WebhookDeps, orgId: string, input: EndpointInput): Promise<WebhookView & { secret: string }> {
  const org = await getOrganization(deps.sql, orgId)
  await checkedUrl(deps, input.url)
  checkedRetry(input.retry ?? {})
  const { row, secret } = await createEndpoint(deps.sql, org.id, input, webhookSecretsKey(deps.config))
  try {
    await startWebhookWorkflow(deps.temporal.client, deps.config.TEMPORAL_TASK_QUEUE, row, org.name)
  } catch (e) {
    // No endpoint without its workflow: the create fails whole.
    await deleteEndpoint(deps.sql, row.id)
    throw temporalUnavailable(e)
  }
  return { ...(await getWebhook(deps, row.id)), secret }
}

async function views(deps: WebhookDeps, rows: EndpointRow[]): Promise<WebhookView[]> {
  const progress = await endpointProgress(deps.sql, rows.map((r) => r.id))
  return rows.map((row) => toView(row, progress.get(row.id)!)) // one row per id asked for
}

export async function listWebhooks(deps: WebhookDeps, orgId: string): Promise<WebhookView[]> {
  const org = await getOrganization(deps.sql, orgId)
  return views(deps, await listEndpoints(deps.sql, org.id))
}

async function mustFind(deps: WebhookDeps, id: string, orgId: string | undefined): Promise<EndpointRow> {
  const row = await findEndpoint(deps.sql, id, orgId)
  if (!row) throw new NotFound(`webhook endpoint ${id} does not exist`)
  return row
}

export async function getWebhook(deps: WebhookDeps, id: string, orgId?: string): Promise<WebhookView> {
  return (await views(deps, [await mustFind(deps, id, orgId)]))[0]!
}

function onEndpointWorkflow<T>(deps: WebhookDeps, row: EndpointRow, act: (handle: ReturnType<Client['workflow']['getHandle']>) => Promise<T>) {
  const handle = deps.temporal.client.workflow.getHandle<typeof webhookWorkflow>(webhookWorkflowId(row.id))
  return onWorkflow(
    () => act(handle),
    async () => startWebhookWorkflow(deps.temporal.client, deps.config.TEMPORAL_TASK_QUEUE, row, (await getOrganization(deps.sql, row.organizationId)).name),
  )
}

/** A PATCH body: `retry` merges over the stored one, and a null field goes back to its default. */
export type WebhookPatch = Partial<Omit<EndpointInput, 'retry'>> & { retry?: { [K in keyof WebhookRetry]?: number | null } }

export async function updateWebhook(deps: WebhookDeps, id: string, patch: WebhookPatch, orgId?: string): Promise<WebhookView> {
  const row = await mustFind(deps, id, orgId)
  if (patch.url !== undefined) await checkedUrl(deps, patch.url)
  const retry = patch.retry && withoutNulls({ ...(row.retry as WebhookRetry), ...patch.retry })
  if (retry) checkedRetry(retry)
  const updated = await updateEndpoint(deps.sql, row.id, { ...patch, retry })
  // A new URL also ends the wait for a retry against the old one.
  if (patch.retry !== undefined || patch.url !== undefined) {
    await onEndpointWorkflow(deps, updated, (h) => h.executeUpdate(configureWebhookUpdate, { args: [updated.retry as WebhookRetry, { url: shownUrl(updated.url) }] }))
  }
  return getWebhook(deps, id)
}

export async function deleteWebhook(deps: WebhookDeps, id: string, orgId?: string): Promise<void> {
  const row = await mustFind(deps, id, orgId)
  try {
    await deps.temporal.client.workflow.getHandle(webhookWorkflowId(row.id)).terminate('webhook endpoint deleted through the admin API')
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw temporalUnavailable(e)
  }
  await deleteEndpoint(deps.sql, row.id)
}

const ACTIONS = { pause: pauseWebhookUpdate, resume: resumeWebhookUpdate, enable: enableWebhookUpdate } as const
export type WebhookAction = keyof typeof ACTIONS

export async function actOnWebhook(deps: WebhookDeps, id: string, action: WebhookAction, orgId?: string): Promise<WebhookView> {
  const row = await mustFind(deps, id, orgId)
  await onEndpointWorkflow(deps, row, (h) => h.executeUpdate(ACTIONS[action]))
  return getWebhook(deps, id)
}

/** Sends again everything after event `after` (an id from the feed or the delivery log). */
export async function replayWebhook(deps: WebhookDeps, id: string, after: string, orgId?: string): Promise<WebhookView> {
  const row = await mustFind(deps, id, orgId)
  const seq = Number(seqOf(after, 'after'))
  await onEndpointWorkflow(deps, row, (h) => h.executeUpdate(replayWebhookUpdate, { args: [seq] }))
  return getWebhook(deps, id)
}

/** A `webhook.test` event sent now, outside the ordered stream; its delivery is logged. */
export async function testWebhook(deps: WebhookDeps, id: string, orgId?: string) {
  const row = await mustFind(deps, id, orgId)
  const event = { id: `evt_test_${crypto.randomUUID()}`, type: 'webhook.test', organizationId: row.organizationId, occurredAt: new Date(), data: { endpointId: row.id } }
  const sent = await send(row.url, openSecret(row, webhookSecretsKey(deps.config)), event.id, JSON.stringify(event), { allowPrivate: deps.config.OUTBOUND_ALLOW_PRIVATE })
  const delivery = { eventId: event.id, eventType: event.type, attempt: 1, ...sent }
  await recordDeliveries(deps.sql, row.id, [delivery])
  return delivery
}

export async function rotateWebhookSecret(deps: WebhookDeps, id: string, orgId?: string): Promise<{ secret: string }> {
  const row = await mustFind(deps, id, orgId)
  return { secret: await rotateSecret(deps.sql, row.id, webhookSecretsKey(deps.config)) }
}

export async function webhookDeliveries(deps: WebhookDeps, id: string, q: { limit: number; cursor?: string }, orgId?: string) {
  const row = await mustFind(deps, id, orgId)
  const items = await listDeliveries(deps.sql, row.id, { limit: q.limit, ...(q.cursor ? { before: q.cursor } : {}) })
  return { items, nextCursor: items.length === q.limit ? items.at(-1)!.id : null }
}
