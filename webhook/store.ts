// Webhook endpoints and their delivery log. The signing secret is sealed with SECRETS_KEY
// (bound to the endpoint id, as a bridge's credentials are) and shown once, at creation
// or rotation. A new endpoint starts at the organization's latest event: it receives
// what happens from then on (replay reaches further back).
import { deleteInBatches } from '../server/db/batched-delete'
import type { Sql, Tx } from '../server/db/client'
import { decryptSecret, encryptSecret } from '../bridge/secrets'
import type { WebhookRetry, WebhookState, WebhookStatus } from './messages'
import { newWebhookSecret } from './sign'

export interface EndpointRow {
  organizationId: string
  id: string
  url: string
  eventTypes: string[] | null
  description: string | null
  secretEncrypted: string
  state: WebhookState
  consecutiveFailures: number
  lastError: string | null
  retry: WebhookRetry
  cursorSeq: string
  createdAt: Date
  updatedAt: Date
}

const context = (id: string) => `webhook:${id}`

export function openSecret(row: Pick<EndpointRow, 'id' | 'secretEncrypted'>, key: Buffer): string {
  return decryptSecret(row.secretEncrypted, key, context(row.id))
}

export interface EndpointInput {
  url: string
  eventTypes?: string[] | null
  description?: string | null
  retry?: WebhookRetry
}

export async function createEndpoint(sql: Tx, orgId: string, input: EndpointInput, key: Buffer): Promise<{ row: EndpointRow; secret: string }> {
  const id = crypto.randomUUID()
  const secret = newWebhookSecret()
  const [row] = await sql<EndpointRow[]>`
    insert into webhook_endpoints (organization_id, id, url, event_types, description, secret_encrypted, retry, cursor_seq)
    values (${orgId}, ${id}, ${input.url}, ${input.eventTypes ?? null}::text[], ${input.description ?? null},
      ${encryptSecret(secret, key, context(id))}, ${JSON.stringify(input.retry ?? {})}::text::jsonb,
      coalesce((select last_seq from event_sequences where organization_id = ${orgId}), 0))
    returning *`
  return { row: row!, secret }
}

/** The endpoint; with `orgId`, only if it belongs to that organization. */
export async function findEndpoint(sql: Tx, id: string, orgId?: string): Promise<EndpointRow | undefined> {
  const [row] = await sql<EndpointRow[]>`
    select * from webhook_endpoints where id = ${id} ${orgId === undefined ? sql`` : sql`and organization_id = ${orgId}`}`
  return row
}

export function listEndpoints(sql: Tx, orgId: string): Promise<EndpointRow[]> {
  return sql<EndpointRow[]>`select * from webhook_endpoints where organization_id = ${orgId} order by created_at, id`
}

/** `retry`, when given, replaces the stored one (the caller merges). */
export async function updateEndpoint(sql: Tx, id: string, patch: Omit<EndpointInput, 'url'> & { url?: string }): Promise<EndpointRow> {
  const [row] = await sql<EndpointRow[]>`
    update webhook_endpoints set
      url = coalesce(${patch.url ?? null}, url),
      event_types = case when ${patch.eventTypes !== undefined} then ${patch.eventTypes ?? null}::text[] else event_types end,
      description = case when ${patch.description !== undefined} then ${patch.description ?? null} else description end,
      retry = case when ${patch.retry !== undefined} then ${JSON.stringify(patch.retry ?? {})}::text::jsonb else retry end,
      updated_at = now()
    where id = ${id}
    returning *`
  return row!
}

export async function rotateSecret(sql: Tx, id: string, key: Buffer): Promise<string> {
  const secret = newWebhookSecret()
  await sql`update webhook_endpoints set secret_encrypted = ${encryptSecret(secret, key, context(id))}, updated_at = now() where id = ${id}`
  return secret
}

export async function deleteEndpoint(sql: Tx, id: string): Promise<void> {
  await sql`delete from webhook_endpoints where id = ${id}`
}

/** The workflow's status writes (its activities): state, failures, and a cursor moved by replay. */
export async function saveStatus(sql: Tx, id: string, patch: Partial<WebhookStatus> & { cursorSeq?: number }): Promise<WebhookStatus | undefined> {
  const [row] = await sql<WebhookStatus[]>`
    update webhook_endpoints set
      state = coalesce(${patch.state ?? null}, state),
      consecutive_failures = coalesce(${patch.consecutiveFailures ?? null}::int, consecutive_failures),
      last_error = case when ${patch.lastError !== undefined} then ${patch.lastError ?? null} else last_error end,
      cursor_seq = coalesce(${patch.cursorSeq ?? null}::bigint, cursor_seq),
      updated_at = now()
    where id = ${id}
    returning state, consecutive_failures, last_error`
  return row
}

export interface Delivery {
  eventId: string
  eventType: string
  attempt: number
  ok: boolean
  responseStatus: number | null
  latencyMs: number
  responseExcerpt: string | null
  error: string | null
}

export async function recordDeliveries(sql: Tx, endpointId: string, deliveries: Delivery[]): Promise<void> {
  if (!deliveries.length) return
  await sql`
    insert into webhook_deliveries (endpoint_id, event_id, event_type, attempt, ok, response_status, latency_ms, response_excerpt, error)
    select ${endpointId}, d.event_id, d.event_type, d.attempt, d.ok, d.response_status, d.latency_ms, d.response_excerpt, d.error
    from jsonb_to_recordset(${JSON.stringify(deliveries.map(snake))}::text::jsonb)
      as d (event_id text, event_type text, attempt int, ok boolean, response_status int, latency_ms real, response_excerpt text, error text)`
}

function snake(d: Delivery) {
  return {
    event_id: d.eventId, event_type: d.eventType, attempt: d.attempt, ok: d.ok, response_status: d.responseStatus,
    latency_ms: d.latencyMs, response_excerpt: d.responseExcerpt, error: d.error,
  }
}

/** How far an endpoint is through its organization's events, and how its last delivery went. */
export interface EndpointProgress {
  /**
   * Events after the endpoint's position, of any type (those it does not want are
   * skipped as soon as it runs): held while paused, waiting while its deliveries fail.
   */
  pendingEvents: number
  /** When the oldest of them happened: how far behind the endpoint is. */
  oldestPendingAt: Date | null
  lastDelivery: { at: Date; ok: boolean; responseStatus: number | null } | null
}

/**
 * The progress of each endpoint in `ids`. The count is a difference of sequence numbers
 * and the rest are index lookups: no scan, however far behind an endpoint is.
 */
export async function endpointProgress(sql: Tx, ids: string[]): Promise<Map<string, EndpointProgress>> {
  const rows = await sql<{ id: string; pendingEvents: number; oldestPendingAt: Date | null; lastAt: Date | null; lastOk: boolean | null; lastStatus: number | null }[]>`
    select e.id, greatest(coalesce(s.last_seq, 0) - e.cursor_seq, 0)::int as pending_events,
      (select d.occurred_at from directory_events d
        where d.organization_id = e.organization_id and d.seq > e.cursor_seq order by d.seq limit 1) as oldest_pending_at,
      l.created_at as last_at, l.ok as last_ok, l.response_status as last_status
    from webhook_endpoints e
    left join event_sequences s on s.organization_id = e.organization_id
    left join lateral (
      select w.created_at, w.ok, w.response_status from webhook_deliveries w where w.endpoint_id = e.id order by w.id desc limit 1
    ) l on true
    where e.id = any(${ids}::uuid[])`
  return new Map(
    rows.map((r) => [
      r.id,
      {
        pendingEvents: r.pendingEvents,
        oldestPendingAt: r.oldestPendingAt,
        lastDelivery: r.lastAt ? { at: r.lastAt, ok: r.lastOk!, responseStatus: r.lastStatus } : null,
      },
    ]),
  )
}

/** The delivery log, newest first; `before` is a delivery id of a previous page. */
export function listDeliveries(sql: Tx, endpointId: string, q: { limit: number; before?: string }) {
  return sql<(Delivery & { id: string; createdAt: Date })[]>`
    select id::text, event_id, event_type, attempt, ok, response_status, latency_ms, response_excerpt, error, created_at
    from webhook_deliveries
    where endpoint_id = ${endpointId} ${q.before === undefined ? sql`` : sql`and id < ${q.before}::bigint`}
    order by id desc limit ${q.limit}`
}

/**
 * Deletes deliveries older than `retentionDays`, oldest first, `batch` per statement (on
 * webhook_deliveries_created); returns how many. An endpoint's last delivery stays
 * whatever its age: its view shows it (endpointProgress). Replicas pruning at once take
 * disjoint batches (skip locked), so none waits on another and each row is counted once.
 */
export function pruneDeliveries(sql: Sql, retentionDays: number, batch = 10_000): Promise<number> {
  // By ctid (the rows just locked): joined on the key, the planner would rather hash the
  // whole table than look up each of a large batch.
  return deleteInBatches(batch, () => sql`
    delete from webhook_deliveries
    where ctid = any(array(
      select o.ctid from webhook_deliveries o
      where o.created_at < now() - make_interval(days => ${retentionDays})
        and exists (select 1 from webhook_deliveries n where n.endpoint_id = o.endpoint_id and n.id > o.id)
      order by o.created_at
      limit ${batch}
      for update skip locked
    ))`)
}
