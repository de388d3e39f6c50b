// Reads the audit log of one organization: newest first, keyset pagination over
// (created_at, id) on the scim_events_recent index, and a streamed CSV export.
import type { Tx } from '../db/client'
import { InvalidInput } from '../errors'
import type { Row } from './writer'

export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

export type EventFilter = {
  /** Upper-case HTTP method. */
  method?: string
  /** An exact status, or a class such as '4xx'. */
  status?: number | StatusClass
  /** Exact, case-insensitive. */
  userName?: string
  /** Inclusive. */
  since?: Date
  /** Exclusive. */
  until?: Date
  source?: 'scim' | 'bridge'
}

export type ListOptions = EventFilter & { limit?: number; cursor?: string }

/** A stored event as the admin API shows it: the columns of the writer's row, plus its id. */
export type EventItem = Omit<Row, 'requestBody' | 'responseBody'> & {
  id: string
  /** The body as JSON when it was stored as JSON, else its text (e.g. when truncated). */
  requestBody: unknown
  responseBody: unknown
}

type EventRow = Omit<EventItem, 'requestBody' | 'responseBody'> & {
  requestBody: string | null
  responseBody: string | null
  /** created_at in microseconds since the epoch: a JS Date keeps only milliseconds. */
  position: string
}

/** Where a page ended: the last row's (created_at in µs, id). */
type Position = { t: string; i: string }

const DEFAULT_LIMIT = 50
const MAX_LIMIT = 500

export async function listEvents(sql: Tx, orgId: string, opts: ListOptions = {}): Promise<{ items: EventItem[]; nextCursor: string | null }> {
  const limit = Math.min(Math.max(Math.trunc(opts.limit ?? DEFAULT_LIMIT), 1), MAX_LIMIT)
  const after = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor)
  // One row more than asked says whether a next page exists without a count.
  const rows = await eventPage(sql, orgId, opts, after, limit + 1)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return { items: page.map(toItem), nextCursor: rows.length > limit && last ? encodeCursor({ t: last.position, i: last.id }) : null }
}

function eventPage(sql: Tx, orgId: string, f: EventFilter, after: Position | undefined, limit: number) {
  const status =
    typeof f.status === 'number' ? sql`and status = ${f.status}`
    : f.status ? sql`and status between ${Number(f.status[0]) * 100} and ${Number(f.status[0]) * 100 + 99}`
    : sql``
  return sql<EventRow[]>`
    select id, organization_id, scim_configuration_id, bridge_id, source, method, path, status,
           request_body, response_body, error, user_id, user_name, ip, user_agent, duration_ms, created_at,
           (extract(epoch from created_at) * 1000000)::bigint::text as position
    from scim_events
    where organization_id = ${orgId}
      ${after ? sql`and (created_at, id) < (timestamptz 'epoch' + ${after.t}::bigint * interval '1 microsecond', ${after.i}::bigint)` : sql``}
      ${f.method ? sql`and method = ${f.method}` : sql``}
      ${status}
      ${f.userName ? sql`and lower(user_name) = lower(${f.userName})` : sql``}
      ${f.since ? sql`and created_at >= ${f.since}` : sql``}
      ${f.until ? sql`and created_at < ${f.until}` : sql``}
      ${f.source ? sql`and source = ${f.source}` : sql``}
    order by created_at desc, id desc
    limit ${limit}`
}

function toItem({ position: _, requestBody, responseBody, ...row }: EventRow): EventItem {
  return { ...row, requestBody: parseBody(requestBody), responseBody: parseBody(responseBody) }
}

function parseBody(text: string | null): unknown {
  if (text === null) return null
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

// Opaque to clients (base64url JSON) so the position format can change without an API change.
function encodeCursor(p: Position): string {
  return Buffer.from(JSON.stringify(p)).toString('base64url')
}

function decodeCursor(cursor: string): Position {
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<Position>
    if (typeof p.t === 'string' && /^-?\d{1,19}$/.test(p.t) && typeof p.i === 'string' && /^\d{1,19}$/.test(p.i)) return { t: p.t, i: p.i }
  } catch {
    // falls through to the 400 below
  }
  throw new InvalidInput('cursor: not a cursor returned by this API (pass nextCursor unchanged)')
}

const CSV_COLUMNS = [
  'id', 'createdAt', 'source', 'method', 'path', 'status', 'userId', 'userName', 'ip', 'userAgent',
  'durationMs', 'error', 'requestBody', 'responseBody', 'scimConfigurationId', 'bridgeId',
] as const satisfies readonly (keyof EventRow)[]

const EXPORT_PAGE = 1000

/** The latest `since` an export to `until` may start from: one year (a leap day counts). */
function oneYearBefore(until: Date): Date {
  const d = new Date(until)
  d.setUTCFullYear(d.getUTCFullYear() - 1)
  return d
}

/**
 * The events of [since, until) that pass the filter, as CSV (RFC 4180), newest first: the
 * list's rows, every page. Rows are read one keyset page at a time as the client consumes
 * the stream: memory stays flat and no connection or statement is held open while a slow
 * client downloads.
 */
export function exportEventsCsv(sql: Tx, orgId: string, filter: EventFilter & { since: Date; until: Date }): ReadableStream<Uint8Array> {
  const { since, until } = filter
  if (since >= until) throw new InvalidInput('since: must be before until')
  if (since < oneYearBefore(until)) throw new InvalidInput('since: an export covers at most one year; narrow the range')
  const encoder = new TextEncoder()
  let after: Position | undefined
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(encoder.encode(CSV_COLUMNS.join(',') + '\r\n'))
    },
    async pull(controller) {
      const rows = await eventPage(sql, orgId, filter, after, EXPORT_PAGE)
      const last = rows.at(-1)
      if (last) {
        after = { t: last.position, i: last.id }
        controller.enqueue(encoder.encode(rows.map(csvLine).join('')))
      }
      if (rows.length < EXPORT_PAGE) controller.close()
    },
  })
}

function csvLine(row: EventRow): string {
  return CSV_COLUMNS.map((c) => csvField(row[c])).join(',') + '\r\n'
}

function csvField(value: string | number | Date | null): string {
  if (value === null) return ''
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'number') return String(value)
  // A spreadsheet runs a cell that starts with = + - @ as a formula; client-supplied text
  // (userName, path, user agent) must not become one (OWASP "CSV injection").
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}
