// Bridges: their rows and their workflows. Admin actions are workflow Updates whose
// handlers persist the new state before answering, so the row read back afterwards is
// the bridge after the action; a refused action (the Update's validator) is a 409.
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client'
import { providerSettings, publicSettings, type ProviderSettings } from '../../activities/connectors'
import { parseSecretsKey, SecretsError } from '../../activities/secrets'
import type { bridgeWorkflow } from '../../workflows/bridge'
import {
  bridgeWorkflowId, configureUpdate, enableUpdate, pauseUpdate, resumeUpdate, syncNowUpdate,
  type BridgeWorkflowInput, type RetrySettings, type Schedule,
} from '../../workflows/bridge.messages'
import { DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_MAXIMUM_INTERVAL_SECONDS } from '../../workflows/policies'
import { BRIDGE_ID, BRIDGE_PROVIDER, BRIDGE_STATE, ORGANIZATION_ID } from '../../workflows/search-attributes'
import { getOrganization } from '../admin/organizations'
import type { Config } from '../config'
import type { Sql, Tx } from '../db/client'
import { ApiError, parseInput } from '../http'
import type { Temporal } from '../temporal'
import { firstLine } from '../temporal'
import { BridgeOptions, BridgePatch, Retry } from './model'
import type * as v from 'valibot'
import { type BridgeRow, findBridge, listBridges, openSettings, sealSettings } from './store'

export type BridgeDeps = { sql: Sql; config: Config; temporal?: Temporal }

export type BridgeView = ReturnType<typeof toView>

export async function createBridge(deps: BridgeDeps, orgId: string, body: unknown): Promise<BridgeView> {
  const options = parseInput(BridgeOptions, body)
  const { provider, settings } = parseInput(providerSettings, body)
  const org = await getOrganization(deps.sql, orgId)
  const key = secretsKey(deps.config)
  const id = crypto.randomUUID()
  const [row] = await deps.sql<BridgeRow[]>`
    insert into bridges (organization_id, id, provider, settings_encrypted, interval_seconds, excluded_emails, retry, max_deactivation_ratio)
    values (${org.id}, ${id}, ${provider}, ${sealSettings(id, settings, key)}, ${options.intervalSeconds}, ${options.excludedEmails}::text[],
      ${JSON.stringify(withoutNulls(options.retry))}::text::jsonb, ${options.maxDeactivationRatio})
    returning *`
  try {
    await startBridgeWorkflow(temporalClient(deps), deps.config.TEMPORAL_TASK_QUEUE, row!, org.name)
  } catch (e) {
    // No bridge without its workflow: the create fails whole.
    await deps.sql`delete from bridges where id = ${id}`
    throw e instanceof ApiError ? e : unavailable(e)
  }
  return toView(row!, deps.config)
}

export async function getBridge(deps: BridgeDeps, id: string): Promise<BridgeView> {
  return toView(await mustFind(deps.sql, id), deps.config)
}

export async function listOrganizationBridges(deps: BridgeDeps, orgId: string): Promise<BridgeView[]> {
  const org = await getOrganization(deps.sql, orgId)
  return (await listBridges(deps.sql, org.id)).map((row) => toView(row, deps.config))
}

/** Settings merge over the stored ones (a secret may be replaced, never read); the workflow gets the new schedule. */
export async function updateBridge(deps: BridgeDeps, id: string, body: unknown): Promise<BridgeView> {
  const patch = parseInput(BridgePatch, body)
  const row = await mustFind(deps.sql, id)
  const key = patch.settings ? secretsKey(deps.config) : null
  const sealed = patch.settings && key ? sealSettings(row.id, mergedSettings(key, row, patch.settings).settings, key) : null
  const retry = patch.retry ? withoutNulls({ ...row.retry, ...patch.retry }) : row.retry
  const [updated] = await deps.sql<BridgeRow[]>`
    update bridges set
      settings_encrypted = ${sealed ?? row.settingsEncrypted},
      interval_seconds = ${patch.intervalSeconds ?? row.intervalSeconds},
      excluded_emails = ${patch.excludedEmails ?? row.excludedEmails}::text[],
      retry = ${JSON.stringify(retry)}::text::jsonb,
      max_deactivation_ratio = ${patch.maxDeactivationRatio ?? row.maxDeactivationRatio},
      updated_at = now()
    where id = ${row.id}
    returning *`
  await onWorkflow(deps, updated!, (handle) => handle.executeUpdate(configureUpdate, { args: [scheduleOf(updated!)] }))
  return getBridge(deps, id)
}

const ACTIONS = { pause: pauseUpdate, resume: resumeUpdate, enable: enableUpdate, sync: syncNowUpdate } as const
export type BridgeAction = keyof typeof ACTIONS

export async function actOnBridge(deps: BridgeDeps, id: string, action: BridgeAction): Promise<BridgeView> {
  const row = await mustFind(deps.sql, id)
  await onWorkflow(deps, row, (handle) => handle.executeUpdate(ACTIONS[action]))
  return getBridge(deps, id)
}

/** Stops the workflow, then removes the bridge (its runs go with it); the users it made stay. */
export async function deleteBridge(deps: BridgeDeps, id: string): Promise<void> {
  const row = await mustFind(deps.sql, id)
  try {
    await temporalClient(deps).workflow.getHandle(bridgeWorkflowId(row.id)).terminate('bridge deleted through the admin API')
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw e instanceof ApiError ? e : unavailable(e)
  }
  await deps.sql`delete from bridges where id = ${row.id}`
}

export async function listRuns(sql: Sql, id: string, limit: number, cursor?: string) {
  const row = await mustFind(sql, id)
  const after = cursor
    ? sql`and (started_at, id) < (select started_at, id from bridge_runs where organization_id = ${row.organizationId} and id = ${cursor})`
    : sql``
  const items = await sql<{ id: string }[]>`
    select id, attempt, started_at, finished_at, outcome, created, updated, deactivated, unchanged, excluded, conflicts, conflict_samples, error
    from bridge_runs where organization_id = ${row.organizationId} and bridge_id = ${row.id} ${after}
    order by started_at desc, id desc limit ${limit}`
  return { items, nextCursor: items.length === limit ? items.at(-1)!.id : null }
}

/** Idempotent: a running workflow is kept (USE_EXISTING); a missing one starts from the row's state. */
export async function startBridgeWorkflow(client: Client, taskQueue: string, row: BridgeRow, organizationName: string): Promise<void> {
  const input: BridgeWorkflowInput = {
    bridgeId: row.id,
    organizationId: row.organizationId,
    provider: row.provider,
    schedule: scheduleOf(row),
    status: { state: row.state, consecutiveFailures: row.consecutiveFailures, nextSyncAt: row.nextSyncAt?.toISOString() ?? null, lastError: row.lastError },
  }
  await client.workflow.start<typeof bridgeWorkflow>('bridgeWorkflow', {
    taskQueue,
    workflowId: bridgeWorkflowId(row.id),
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
    typedSearchAttributes: [
      { key: BRIDGE_ID, value: row.id },
      { key: ORGANIZATION_ID, value: row.organizationId },
      { key: BRIDGE_PROVIDER, value: row.provider },
      { key: BRIDGE_STATE, value: row.state },
    ],
    memo: { organization: organizationName, organizationId: row.organizationId, provider: row.provider },
  })
}

/** On worker start: every bridge gets its workflow (one created while Temporal was away, or terminated by hand). */
export async function ensureBridgeWorkflows(client: Client, sql: Sql, taskQueue: string): Promise<number> {
  const rows = await sql<(BridgeRow & { organizationName: string })[]>`
    select b.*, o.name as organization_name from bridges b join organizations o on o.id = b.organization_id`
  for (const row of rows) await startBridgeWorkflow(client, taskQueue, row, row.organizationName)
  return rows.length
}

export function scheduleOf(row: Pick<BridgeRow, 'intervalSeconds' | 'retry'>): Schedule {
  return { intervalSeconds: row.intervalSeconds, retry: row.retry }
}

function toView(row: BridgeRow, config: Config) {
  const workflowId = bridgeWorkflowId(row.id)
  return {
    id: row.id,
    organizationId: row.organizationId,
    provider: row.provider,
    state: row.state,
    consecutiveFailures: row.consecutiveFailures,
    lastSyncAt: row.lastSyncAt,
    nextSyncAt: row.nextSyncAt,
    lastError: row.lastError,
    intervalSeconds: row.intervalSeconds,
    excludedEmails: row.excludedEmails,
    // The values in force, defaults included.
    retry: {
      initialIntervalSeconds: row.retry.initialIntervalSeconds ?? row.intervalSeconds,
      maximumIntervalSeconds: row.retry.maximumIntervalSeconds ?? DEFAULT_MAXIMUM_INTERVAL_SECONDS,
      maxConsecutiveFailures: row.retry.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
    } satisfies Required<RetrySettings>,
    maxDeactivationRatio: row.maxDeactivationRatio,
    settings: shownSettings(row, config),
    workflowId,
    ...(config.TEMPORAL_UI_URL
      ? { workflowUrl: `${config.TEMPORAL_UI_URL.replace(/\/+$/, '')}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${workflowId}` }
      : {}),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

/** The settings without their secrets; null when this server cannot open them (no or another SECRETS_KEY). */
function shownSettings(row: BridgeRow, config: Config): Record<string, unknown> | null {
  try {
    const { provider, settings } = openSettings(row, parseSecretsKey(config.SECRETS_KEY))
    return publicSettings(provider, settings as never)
  } catch {
    return null
  }
}

function mergedSettings(key: Buffer, row: BridgeRow, changes: Record<string, unknown>): ProviderSettings {
  let stored: Record<string, unknown> = {}
  try {
    stored = openSettings(row, key).settings
  } catch {
    // Unreadable stored settings (invalid since, or sealed with another key): the PATCH must bring them all.
  }
  return parseInput(providerSettings, { provider: row.provider, settings: { ...stored, ...changes } })
}

async function mustFind(sql: Tx, id: string): Promise<BridgeRow> {
  const row = await findBridge(sql, id)
  if (!row) throw new ApiError(404, 'not_found', `bridge ${id} does not exist`)
  return row
}

/** Runs `fn` on the bridge's workflow; a workflow gone (terminated by hand) is restarted from the row first. */
async function onWorkflow<T>(deps: BridgeDeps, row: BridgeRow, fn: (handle: WorkflowHandle<typeof bridgeWorkflow>) => Promise<T>): Promise<T> {
  const client = temporalClient(deps)
  const handle = client.workflow.getHandle<typeof bridgeWorkflow>(bridgeWorkflowId(row.id))
  try {
    try {
      return await fn(handle)
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e
      const org = await getOrganization(deps.sql, row.organizationId)
      await startBridgeWorkflow(client, deps.config.TEMPORAL_TASK_QUEUE, row, org.name)
      return await fn(handle)
    }
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new ApiError(409, 'conflict', e.cause?.message ?? e.message)
    throw e instanceof ApiError ? e : unavailable(e)
  }
}

function temporalClient(deps: BridgeDeps): Client {
  if (!deps.temporal) throw new ApiError(503, 'temporal_unavailable', 'this server has no Temporal connection: set TEMPORAL_ADDRESS')
  return deps.temporal.client
}

function secretsKey(config: Config): Buffer {
  try {
    return parseSecretsKey(config.SECRETS_KEY)
  } catch (e) {
    if (e instanceof SecretsError) throw new ApiError(503, 'secrets_key_missing', `cannot store bridge credentials: ${e.message}`)
    throw e
  }
}

function unavailable(e: unknown): ApiError {
  return new ApiError(503, 'temporal_unavailable', `Temporal did not answer: ${firstLine(e)}; check TEMPORAL_ADDRESS and that the server is running`)
}

function withoutNulls(retry: v.InferOutput<typeof Retry> | RetrySettings): RetrySettings {
  return Object.fromEntries(Object.entries(retry).filter(([, value]) => value !== null && value !== undefined))
}

