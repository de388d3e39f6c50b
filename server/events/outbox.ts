// The directory's change events, written in the same transaction as the change (an
// outbox: no change without its event, no event without its change). Writers describe
// their changes as they make them; the transaction appends them last, in one statement
// that takes the organization's next sequence numbers (event_sequences, locked until
// commit: numbers follow commit order, so a feed reader resuming after n misses nothing).
// Appending last keeps that lock for the commit alone, and after every row lock the
// transaction takes, so two writers never wait on each other in opposite orders.
import type postgres from 'postgres'
import type { Tx } from '../db/client'

export const EVENT_TYPES = [
  'user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted',
  'group.created', 'group.updated', 'group.deleted', 'group.member_added', 'group.member_removed',
] as const
export type EventType = (typeof EVENT_TYPES)[number]

/** Why a bridge deactivated a user: gone from the directory, disabled in it, or excluded by the bridge. */
export type DeactivationReason = 'missing' | 'disabled' | 'excluded'

/** Who made a change. */
export type EventSource =
  | { kind: 'scim'; scimEventId: string | null }
  | { kind: 'bridge'; bridgeId: string; runId: string | null }
  | { kind: 'admin' }

/** A change as its writer saw it. `user.updated` becomes deactivated/reactivated when `active` flipped. */
export interface Change {
  type: Exclude<EventType, 'user.deactivated' | 'user.reactivated'>
  userId?: string | null
  groupId?: string | null
  /** The directory view after the change (before it, for a delete). */
  data: unknown
  /** The view before an update: the event's `changes` are computed from it. */
  before?: unknown
}

/** The changes one transaction makes, appended when it ends. */
export class ChangeLog {
  readonly changes: Change[] = []

  add(...changes: Change[]): void {
    this.changes.push(...changes)
  }
}

/** Appends `changes` as events. Call it last in the transaction. */
export async function appendChanges(sql: Tx, orgId: string, source: EventSource, changes: readonly Change[]): Promise<void> {
  if (!changes.length) return
  const rows = changes.map((c, i) => ({ ord: i + 1, type: c.type, user_id: c.userId ?? null, group_id: c.groupId ?? null, data: c.data, before: c.before ?? null }))
  // No `reason` key: only a bridge's staged deactivations have one (the column reads null).
  await append(sql, orgId, source, changes.length, sql`
    jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as c (ord bigint, type text, user_id uuid, group_id uuid, data jsonb, before jsonb, reason text)`)
}

/**
 * A temporary table a long writer (a bridge sync) stages its changes in, appended by
 * appendStagedChanges. A created user may be staged without its view (`data` null): the
 * append reads it from the row then, rather than carrying 100,000 views through the table.
 * A deactivation is staged with its `reason` (a DeactivationReason).
 */
export async function beginStagingChanges(sql: Tx): Promise<void> {
  await sql`
    create temporary table staged_changes (
      ord bigint generated always as identity primary key, type text not null, user_id uuid, group_id uuid, data jsonb, before jsonb, reason text
    ) on commit drop`
}

export async function appendStagedChanges(sql: Tx, orgId: string, source: EventSource): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from staged_changes`
  const n = row!.n
  if (n > 0) await append(sql, orgId, source, n, sql`staged_changes c`)
  return n
}

/** `rows` yields (ord 1..n, type, user_id, group_id, data, before, reason); a null `data` is the user's (or the group's) view now. */
async function append(sql: Tx, orgId: string, source: EventSource, n: number, rows: postgres.PendingQuery<postgres.Row[]>): Promise<void> {
  const bridgeId = source.kind === 'bridge' ? source.bridgeId : null
  const runId = source.kind === 'bridge' ? source.runId : null
  const scimEventId = source.kind === 'scim' ? source.scimEventId : null
  await sql`
    with counter as (
      insert into event_sequences as s (organization_id, last_seq) values (${orgId}, ${n})
      on conflict (organization_id) do update set last_seq = s.last_seq + ${n}
      returning last_seq - ${n} as base
    )
    insert into directory_events (organization_id, seq, type, user_id, group_id, source, bridge_id, run_id, scim_event_id, data, changes, reason)
    select ${orgId}, counter.base + c.ord,
      case
        when c.type = 'user.updated' and (c.before -> 'active') = 'true' and (c.data -> 'active') = 'false' then 'user.deactivated'
        when c.type = 'user.updated' and (c.before -> 'active') = 'false' and (c.data -> 'active') = 'true' then 'user.reactivated'
        else c.type
      end,
      c.user_id, c.group_id, ${source.kind}, ${bridgeId}, ${runId}, ${scimEventId}, coalesce(c.data, case when u.id is not null then directory_user(u.*) when g.id is not null then directory_group(g.*) end),
      case when c.before is null then null else directory_changes(c.before, c.data) end,
      c.reason
    from counter, ${rows}
    left join users u on c.data is null and u.organization_id = ${orgId} and u.id = c.user_id
    left join groups g on c.data is null and c.user_id is null and g.organization_id = ${orgId} and g.id = c.group_id`
}
