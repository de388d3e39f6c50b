// Reading the directory's events: the change feed of an organization (oldest first,
// resumable from an id) and the history of one user (newest first, with who did it).
// Ids are `evt_` + the organization's sequence number, zero-padded: they sort as the
// events were committed (server/events/outbox.ts).
import type { Tx } from '../db/client'
import { InvalidInput } from '../errors'
import type { DeactivationReason, EventType } from './outbox'

export interface DirectoryEvent {
  id: string
  type: EventType
  organizationId: string
  occurredAt: Date
  source: { kind: 'scim'; scimEventId: string | null } | { kind: 'bridge'; bridgeId: string; runId: string | null } | { kind: 'admin' }
  data: unknown
  changes?: Record<string, [unknown, unknown]>
  /** A bridge's user.deactivated: why (gone from the directory, disabled in it, excluded). */
  reason?: DeactivationReason
}

type Row = {
  organizationId: string
  seq: string
  type: EventType
  occurredAt: Date
  userId: string | null
  source: 'scim' | 'bridge' | 'admin'
  bridgeId: string | null
  runId: string | null
  scimEventId: string | null
  data: unknown
  changes: Record<string, [unknown, unknown]> | null
  reason: DeactivationReason | null
}

const ID = /^evt_(\d{16})$/

export const eventId = (seq: string | bigint | number) => `evt_${String(seq).padStart(16, '0')}`

/** The sequence number an id names; InvalidInput for anything this API did not hand out. */
export function seqOf(id: string, field: string): string {
  const m = ID.exec(id)
  if (!m) throw new InvalidInput(`${field}: not an event id returned by this API (evt_ and 16 digits)`)
  return m[1]!.replace(/^0+(?=\d)/, '')
}

function toEvent(r: Row): DirectoryEvent {
  const source: DirectoryEvent['source'] =
    r.source === 'scim' ? { kind: 'scim', scimEventId: r.scimEventId } : r.source === 'bridge' ? { kind: 'bridge', bridgeId: r.bridgeId!, runId: r.runId } : { kind: 'admin' }
  return {
    id: eventId(r.seq),
    type: r.type,
    organizationId: r.organizationId,
    occurredAt: r.occurredAt,
    source,
    data: r.data,
    ...(r.changes ? { changes: r.changes } : {}),
    ...(r.reason ? { reason: r.reason } : {}),
  }
}

const COLUMNS = (sql: Tx) =>
  sql`e.organization_id, e.seq::text as seq, e.type, e.occurred_at, e.user_id, e.source, e.bridge_id, e.run_id, e.scim_event_id::text as scim_event_id, e.data, e.changes, e.reason`

export interface FeedQuery {
  /** An event id: only later events. */
  after?: string
  types?: EventType[]
  limit: number
}

/** The organization's events after `after`, oldest first; `nextCursor` is where to resume (the last id, or `after`). */
export async function readFeed(sql: Tx, orgId: string, q: FeedQuery): Promise<{ items: DirectoryEvent[]; nextCursor: string | null }> {
  const after = q.after === undefined ? '0' : seqOf(q.after, 'after')
  const rows = await sql<Row[]>`
    select ${COLUMNS(sql)} from directory_events e
    where e.organization_id = ${orgId} and e.seq > ${after}::bigint ${q.types?.length ? sql`and e.type = any(${q.types}::text[])` : sql``}
    order by e.seq limit ${q.limit}`
  const items = rows.map(toEvent)
  return { items, nextCursor: items.at(-1)?.id ?? q.after ?? null }
}

/** What a SCIM call that changed a user was, for the history (from the audit log). */
export interface ScimCall {
  method: string
  path: string
  status: number
  ip: string | null
  userAgent: string | null
}

export type HistoryEntry = DirectoryEvent & { scimCall?: ScimCall }

/**
 * Every event of a user, newest first, after `cursor` (an event id of a previous page):
 * what changed, when, and by whom, with the SCIM call (from the audit log) or the bridge
 * and run. Undefined when the user never had an event (an unknown id).
 */
export async function userHistory(
  sql: Tx, userId: string, q: { cursor?: string; limit: number },
): Promise<{ organizationId: string; items: HistoryEntry[]; nextCursor: string | null } | undefined> {
  const before = q.cursor === undefined ? null : seqOf(q.cursor, 'cursor')
  const [first] = await sql<{ organizationId: string }[]>`select organization_id from directory_events where user_id = ${userId} limit 1`
  if (!first) return undefined
  const rows = await sql<(Row & { scimMethod: string | null; scimPath: string | null; scimStatus: number | null; scimIp: string | null; scimUserAgent: string | null })[]>`
    select ${COLUMNS(sql)}, s.method as scim_method, s.path as scim_path, s.status as scim_status, s.ip as scim_ip, s.user_agent as scim_user_agent
    from directory_events e
    left join scim_events s on s.organization_id = e.organization_id and s.id = e.scim_event_id
    where e.user_id = ${userId} ${before === null ? sql`` : sql`and e.seq < ${before}::bigint`}
    order by e.seq desc limit ${q.limit + 1}`
  // One row past the page says whether there is a next one: a full last page has no cursor.
  const more = rows.length > q.limit
  const items = rows.slice(0, q.limit).map((r): HistoryEntry => {
    const event = toEvent(r)
    return r.scimMethod === null ? event : { ...event, scimCall: { method: r.scimMethod, path: r.scimPath!, status: r.scimStatus!, ip: r.scimIp, userAgent: r.scimUserAgent } }
  })
  return { organizationId: first.organizationId, items, nextCursor: more ? items.at(-1)!.id : null }
}
