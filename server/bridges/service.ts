// Bridges: their rows and their workflows. Admin actions are workflow Updates whose
// handlers persist the new state before answering, so the row read back afterwards is
// the bridge after the action; a refused action (the Update's validator) is a 409.
import { WorkflowNotFoundError } from '@temporalio/client'
import { providerSettings } from '../../bridge/providers'
import { secretsKeyFor } from '../../bridge/secrets'
import { checked, NotFound } from '../errors'
import { bridgeWorkflowId, configureUpdate, enableUpdate, pauseUpdate, resumeUpdate, syncNowUpdate } from '../../bridge/messages'
import { getOrganization } from '../organizations/store'
import type { Sql, Tx } from '../db/client'
import type { RunCounts } from '../../activities/bridge-state'
import { type BridgePatch, type CreateBridge, withoutNulls } from './model'
import { type BridgeRow, findBridge, listBridges, openSettings, sealSettings } from '../../bridge/store'
import { type BridgeActivity, type BridgeView, toView } from './view'
import { temporalUnavailable } from '../temporal'
import { type BridgeConfig, type BridgeDeps, onBridgeWorkflow, retryWaitOf, scheduleOf, startBridgeWorkflow } from './workflows'

export type { BridgeDeps, BridgeView }

export async function createBridge(deps: BridgeDeps, orgId: string, input: CreateBridge): Promise<BridgeView> {
  const { provider, settings, ...options } = input
  const org = await getOrganization(deps.sql, orgId)
  const key = bridgeSecretsKey(deps.config)
  const id = crypto.randomUUID()
  const [row] = await deps.sql<BridgeRow[]>`
    insert into bridges (organization_id, id, name, provider, settings_encrypted, interval_seconds, excluded_emails, retry, max_deactivation_ratio, sync_groups)
    values (${org.id}, ${id}, ${options.name ?? null}, ${provider}, ${sealSettings(id, settings, key)}, ${options.intervalSeconds}, ${options.excludedEmails}::text[],
      ${JSON.stringify(withoutNulls(options.retry))}::text::jsonb, ${options.maxDeactivationRatio}, ${options.syncGroups})
    returning *`
  try {
    await startBridgeWorkflow(deps.temporal.client, deps.config.TEMPORAL_TASK_QUEUE, row!, org.name)
  } catch (e) {
    // No bridge without its workflow: the create fails whole.
    await deps.sql`delete from bridges where id = ${id}`
    throw temporalUnavailable(e)
  }
  return toView(row!, deps.config, { usersManaged: 0, syncingSince: null })
}

// Every lookup by a bridge's id takes `orgId`, the caller's organization when it is
// bound to one: another organization's bridge is then NotFound, as if it did not exist.
export async function getBridge(deps: BridgeDeps, id: string, orgId?: string): Promise<BridgeView> {
  const row = await asTemporalSees(deps, await mustFind(deps.sql, id, orgId))
  const [activity] = await activityOf(deps.sql, row.organizationId, [row.id])
  return toView(row, deps.config, activity!) // one row per id asked for
}

export async function listOrganizationBridges(deps: BridgeDeps, orgId: string): Promise<BridgeView[]> {
  const org = await getOrganization(deps.sql, orgId)
  const rows = await Promise.all((await listBridges(deps.sql, org.id)).map((row) => asTemporalSees(deps, row)))
  const activity = new Map((await activityOf(deps.sql, org.id, rows.map((r) => r.id))).map((a) => [a.id, a]))
  return rows.map((row) => toView(row, deps.config, activity.get(row.id)!))
}

/** The active users each bridge manages, and when its unfinished run (if any) started. */
function activityOf(sql: Sql, orgId: string, ids: string[]): Promise<(BridgeActivity & { id: string })[]> {
  return sql<(BridgeActivity & { id: string })[]>`
    select b.id,
      (select count(*)::int from users u where u.organization_id = ${orgId} and u.bridge_id = b.id and u.active) as users_managed,
      (select max(r.started_at) from bridge_runs r where r.organization_id = ${orgId} and r.bridge_id = b.id and r.finished_at is null) as syncing_since
    from unnest(${ids}::uuid[]) as b(id)`
}

/**
 * A row that says `syncing` while Temporal waits to retry a failed attempt: the attempt
 * died before it could write its failure (a killed worker, our database gone). Shown as
 * what it is: failed, counted, with Temporal's reason and its next attempt. The next
 * attempt writes the same into the row when it starts.
 */
async function asTemporalSees(deps: BridgeDeps, row: BridgeRow): Promise<BridgeRow> {
  if (row.state !== 'syncing') return row
  const wait = await retryWaitOf(deps, row.id)
  if (!wait) return row
  return { ...row, state: 'failed', consecutiveFailures: row.consecutiveFailures + 1, lastError: wait.failure, nextSyncAt: wait.nextAttemptAt }
}

/** Settings merge over the stored ones (a secret may be replaced, never read); the workflow gets the new schedule. */
export async function updateBridge(deps: BridgeDeps, id: string, patch: BridgePatch, orgId?: string): Promise<BridgeView> {
  const row = await mustFind(deps.sql, id, orgId)
  const sealed = patch.settings ? resealed(deps.config, row, patch.settings) : row.settingsEncrypted
  const retry = patch.retry ? withoutNulls({ ...row.retry, ...patch.retry }) : row.retry
  const [updated] = await deps.sql<BridgeRow[]>`
    update bridges set
      name = ${patch.name === undefined ? row.name : patch.name},
      settings_encrypted = ${sealed},
      interval_seconds = ${patch.intervalSeconds ?? row.intervalSeconds},
      excluded_emails = ${patch.excludedEmails ?? row.excludedEmails}::text[],
      retry = ${JSON.stringify(retry)}::text::jsonb,
      max_deactivation_ratio = ${patch.maxDeactivationRatio ?? row.maxDeactivationRatio},
      sync_groups = ${patch.syncGroups ?? row.syncGroups},
      updated_at = now()
    where id = ${row.id}
    returning *`
  await onBridgeWorkflow(deps, updated!, (handle) => handle.executeUpdate(configureUpdate, { args: [scheduleOf(updated!), { name: updated!.name }] }))
  return getBridge(deps, id)
}

const ACTIONS = { pause: pauseUpdate, resume: resumeUpdate, enable: enableUpdate } as const
export type BridgeAction = keyof typeof ACTIONS | 'sync'

export async function actOnBridge(deps: BridgeDeps, id: string, action: BridgeAction, orgId?: string): Promise<BridgeView> {
  const row = await mustFind(deps.sql, id, orgId)
  if (action === 'sync') {
    // Whatever the attempt waits for (the directory's backoff, a lost worker's retry), sync now.
    const waitingForRetry = (await retryWaitOf(deps, row.id)) !== null
    await onBridgeWorkflow(deps, row, (handle) => handle.executeUpdate(syncNowUpdate, { args: [{ waitingForRetry }] }))
  } else {
    await onBridgeWorkflow(deps, row, (handle) => handle.executeUpdate(ACTIONS[action]))
  }
  return getBridge(deps, id)
}

/** Stops the workflow, then removes the bridge (its runs go with it); the users it made stay. */
export async function deleteBridge(deps: BridgeDeps, id: string, orgId?: string): Promise<void> {
  const row = await mustFind(deps.sql, id, orgId)
  try {
    await deps.temporal.client.workflow.getHandle(bridgeWorkflowId(row.id)).terminate('bridge deleted through the admin API')
  } catch (e) {
    if (!(e instanceof WorkflowNotFoundError)) throw temporalUnavailable(e)
  }
  await deps.sql`delete from bridges where id = ${row.id}`
}

/** A sync as GET /bridges/:id/runs shows it: its attempt, times, outcome and counts. */
export type BridgeRun = RunCounts & {
  id: string
  attempt: number
  startedAt: Date
  finishedAt: Date | null
  outcome: 'running' | 'succeeded' | 'failed' | 'cancelled'
  error: string | null
}

export async function listRuns(sql: Sql, id: string, { limit, cursor }: { limit: number; cursor?: string }, orgId?: string) {
  const row = await mustFind(sql, id, orgId)
  const after = cursor
    ? sql`and (started_at, id) < (select started_at, id from bridge_runs where organization_id = ${row.organizationId} and id = ${cursor})`
    : sql``
  const items = await sql<BridgeRun[]>`
    select id, attempt, started_at, finished_at, outcome, created, updated, deactivated, unchanged, excluded, conflicts, conflict_samples,
      groups_created, groups_updated, groups_deleted, memberships_added, memberships_removed, error
    from bridge_runs where organization_id = ${row.organizationId} and bridge_id = ${row.id} ${after}
    order by started_at desc, id desc limit ${limit + 1}`
  // One row past the page says whether there is a next one. A cursor whose run retention
  // has deleted since gives an empty page: every run older than it was past retention too.
  const page = items.slice(0, limit)
  return { items: page, nextCursor: items.length > limit ? page.at(-1)!.id : null }
}

/** The stored settings with `changes` merged over them, validated and sealed again. */
function resealed(config: BridgeConfig, row: BridgeRow, changes: Record<string, unknown>): string {
  const key = bridgeSecretsKey(config)
  let stored: Record<string, unknown> = {}
  try {
    stored = openSettings(row, key).settings
  } catch {
    // Unreadable stored settings (invalid since, or sealed with another key): the PATCH must bring them all.
  }
  // null takes a setting out (an optional base URL back to its default); a required one is then missing: 400.
  const { settings } = checked(providerSettings, { provider: row.provider, settings: withoutNulls({ ...stored, ...changes }) })
  return sealSettings(row.id, settings, key)
}

async function mustFind(sql: Tx, id: string, orgId?: string): Promise<BridgeRow> {
  const row = await findBridge(sql, id, orgId)
  if (!row) throw new NotFound(`bridge ${id} does not exist`)
  return row
}

export const bridgeSecretsKey = (config: BridgeConfig) => secretsKeyFor(config.SECRETS_KEY, 'store bridge credentials')


