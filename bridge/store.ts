// Bridge rows: read them, and seal or open their provider settings (encrypted at rest,
// the bridge id bound as associated data). Shared by the admin API and the sync activity.
import * as v from 'valibot'
import { decryptSecret, encryptSecret } from './secrets'
import { type Provider, providerSettings, type ProviderSettings } from './providers'
import type { BridgeState, RetrySettings } from './messages'
import { deleteInBatches } from '../server/db/batched-delete'
import type { Sql, Tx } from '../server/db/client'
import { isUuid } from '../server/uuid'

export interface BridgeRow {
  id: string
  organizationId: string
  /** For people; null: the console names the bridge by its provider. */
  name: string | null
  provider: Provider
  settingsEncrypted: string
  intervalSeconds: number
  excludedEmails: string[]
  retry: RetrySettings
  maxDeactivationRatio: number
  syncGroups: boolean
  state: BridgeState
  consecutiveFailures: number
  lastSyncAt: Date | null
  nextSyncAt: Date | null
  lastError: string | null
  createdAt: Date
  updatedAt: Date
}

export class InvalidSettings extends Error {
  override readonly name = 'InvalidSettings'
}

/** The bridge, or undefined (a malformed id names none). `orgId` scopes the lookup when known. */
export async function findBridge(sql: Tx, id: string, orgId?: string): Promise<BridgeRow | undefined> {
  if (!isUuid(id)) return undefined
  const [row] = await sql<BridgeRow[]>`
    select * from bridges where id = ${id} ${orgId ? sql`and organization_id = ${orgId}` : sql``}`
  return row
}

export function listBridges(sql: Tx, orgId: string): Promise<BridgeRow[]> {
  return sql<BridgeRow[]>`select * from bridges where organization_id = ${orgId} order by created_at, id`
}

const context = (bridgeId: string) => `bridge:${bridgeId}`

export function sealSettings(bridgeId: string, settings: ProviderSettings['settings'], key: Buffer): string {
  return encryptSecret(JSON.stringify(settings), key, context(bridgeId))
}

/** The decrypted settings, validated again (a row written by an older version may no longer pass). */
export function openSettings(row: Pick<BridgeRow, 'id' | 'provider' | 'settingsEncrypted'>, key: Buffer): ProviderSettings {
  const settings: unknown = JSON.parse(decryptSecret(row.settingsEncrypted, key, context(row.id)))
  const parsed = v.safeParse(providerSettings, { provider: row.provider, settings })
  if (parsed.success) return parsed.output
  const issue = parsed.issues[0]
  const at = v.getDotPath(issue)
  throw new InvalidSettings(`the stored ${row.provider} settings are invalid: ${at ? `${at}: ` : ''}${issue.message}; fix them with PATCH /bridges/${row.id}`)
}

/** The runs a bridge keeps whatever their age: the console's first page of its run history. */
export const RUNS_KEPT = 20

/**
 * Deletes finished runs that started more than `retentionDays` ago, `batch` per statement;
 * returns how many. Each bridge keeps its newest `keep` runs (as GET /bridges/:id/runs
 * orders them) and any still running. Bridge by bridge on bridge_runs_recent, so the
 * big table is read by index only. Replicas pruning at once take disjoint batches (skip
 * locked), so none waits on another and each row is counted once.
 */
export function pruneRuns(sql: Sql, retentionDays: number, batch = 1_000, keep = RUNS_KEPT): Promise<number> {
  return deleteInBatches(batch, () => sql`
    delete from bridge_runs r
    using (
      select past.organization_id, past.id
      from bridges b
      cross join lateral (
        select k.started_at, k.id from bridge_runs k
        where k.organization_id = b.organization_id and k.bridge_id = b.id
        order by k.started_at desc, k.id desc offset ${keep - 1} limit 1
      ) kept
      cross join lateral (
        select o.organization_id, o.id from bridge_runs o
        where o.organization_id = b.organization_id and o.bridge_id = b.id
          and o.started_at < now() - make_interval(days => ${retentionDays})
          and (o.started_at, o.id) < (kept.started_at, kept.id)
          and o.outcome <> 'running'
        order by o.started_at
        limit ${batch}
        for update skip locked
      ) past
      limit ${batch}
    ) old
    where r.organization_id = old.organization_id and r.id = old.id`)
}
