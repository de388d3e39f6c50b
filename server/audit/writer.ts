// Writes audit events. Two paths:
// - insertEvents: inside the caller's transaction, for changes that must not exist unaudited;
// - AuditBuffer: for SCIM requests, queued in memory and flushed in batches after the
//   response, so auditing costs a request almost nothing. While the database is away
//   (a restart, a failover) the events wait in memory, bounded, and are written when it
//   is back; a write that fails otherwise is retried once. Every event that is given up
//   (overflow, shutdown during an outage, a write refused twice) is logged and counted;
//   none ever fails a request.
import { databaseTrouble, type Sql, type Tx } from '../db/client'
import type { Log } from '../log'
import { capText, redactText, serializeBody } from './redact'

export type AuditEvent = {
  organizationId: string
  scimConfigurationId?: string | null
  bridgeId?: string | null
  source: 'scim' | 'bridge'
  method: string
  /** Path with its query string. */
  path: string
  status: number
  requestBody?: unknown
  responseBody?: unknown
  error?: string | null
  userId?: string | null
  userName?: string | null
  ip?: string | null
  userAgent?: string | null
  durationMs?: number | null
  createdAt?: Date
}

/** One scim_events row, ready for the multi-row insert helper (no undefined allowed there). */
export type Row = {
  organizationId: string
  scimConfigurationId: string | null
  bridgeId: string | null
  source: 'scim' | 'bridge'
  method: string
  path: string
  status: number
  requestBody: string | null
  responseBody: string | null
  error: string | null
  userId: string | null
  userName: string | null
  ip: string | null
  userAgent: string | null
  durationMs: number | null
  createdAt: Date
}

const COLUMNS = [
  'organizationId', 'scimConfigurationId', 'bridgeId', 'source', 'method', 'path', 'status', 'requestBody',
  'responseBody', 'error', 'userId', 'userName', 'ip', 'userAgent', 'durationMs', 'createdAt',
] as const satisfies readonly (keyof Row)[]

export const DEFAULT_MAX_BODY_BYTES = 64 * 1024
// 16 columns x 1000 rows stays far below Postgres' 65,535 bind parameters per statement.
const ROWS_PER_STATEMENT = 1000
const CHUNK_SIZES = [ROWS_PER_STATEMENT, 100, 20, 5, 1]
// Paths carry filters (capped at a few KB by the SCIM layer); user agents and errors are free text.
const MAX_TEXT_BYTES = 8 * 1024

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

export class InvalidAuditEvent extends Error {}

/**
 * Redacts, caps and validates an event. An invalid event throws here, alone, rather than
 * failing the whole batch it would have joined.
 */
export function toRow(e: AuditEvent, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Row {
  if (!UUID.test(e.organizationId ?? '')) throw new InvalidAuditEvent(`organizationId is not a UUID: ${JSON.stringify(e.organizationId)}`)
  if (!Number.isInteger(e.status) || e.status < 0 || e.status > 999) throw new InvalidAuditEvent(`status is not an HTTP status: ${e.status}`)
  if (typeof e.method !== 'string' || !e.method) throw new InvalidAuditEvent(`method is missing`)
  if (typeof e.path !== 'string') throw new InvalidAuditEvent(`path is missing`)
  if (e.source !== 'scim' && e.source !== 'bridge') throw new InvalidAuditEvent(`source must be scim or bridge: ${JSON.stringify(e.source)}`)
  if (e.createdAt !== undefined && !(e.createdAt instanceof Date && Number.isFinite(e.createdAt.getTime()))) throw new InvalidAuditEvent('createdAt is not a valid Date')
  return {
    // Lower case, as Postgres returns uuids: the retry matches rows to organizations by id.
    organizationId: e.organizationId.toLowerCase(),
    // Optional ids that are not UUIDs (a client's made-up /Users/<id>) would fail the uuid
    // column and the batch with it; the path already records what the client sent.
    scimConfigurationId: uuidOrNull(e.scimConfigurationId),
    bridgeId: uuidOrNull(e.bridgeId),
    source: e.source,
    method: text(e.method, 32)!.toUpperCase(),
    path: redactText(text(e.path, MAX_TEXT_BYTES)!),
    status: e.status,
    requestBody: clean(serializeBody(e.requestBody, maxBodyBytes)),
    responseBody: clean(serializeBody(e.responseBody, maxBodyBytes)),
    error: e.error == null ? null : redactText(text(e.error, MAX_TEXT_BYTES)!),
    userId: uuidOrNull(e.userId),
    userName: text(e.userName, 1024),
    ip: text(e.ip, 64),
    userAgent: text(e.userAgent, 1024),
    durationMs: typeof e.durationMs === 'number' && Number.isFinite(e.durationMs) ? e.durationMs : null,
    createdAt: e.createdAt ?? new Date(),
  }
}

const uuidOrNull = (id: string | null | undefined) => (id && UUID.test(id) ? id.toLowerCase() : null)

// Postgres text cannot hold NUL; a client can send one in any header or body.
const clean = (s: string | null) => (s === null ? null : s.replaceAll('\u0000', '\uFFFD'))
const text = (s: string | null | undefined, maxBytes: number) => (s == null ? null : clean(capText(String(s), maxBytes)))

/**
 * Inserts events with multi-row INSERTs. Pass a transaction's `sql` to record a change in
 * the same transaction as the change itself.
 */
export async function insertEvents(sql: Tx, events: AuditEvent[], maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Promise<void> {
  await insertRows(sql, events.map((e) => toRow(e, maxBodyBytes)))
}

/** One event, in the caller's transaction; returns its id (a change's event points at it). */
export async function insertEvent(sql: Tx, event: AuditEvent, maxBodyBytes = DEFAULT_MAX_BODY_BYTES): Promise<string> {
  const [row] = await sql<{ id: string }[]>`insert into scim_events ${sql(toRow(event, maxBodyBytes), COLUMNS)} returning id::text`
  return row!.id
}

/**
 * Multi-row INSERTs in sizes from a fixed ladder: Postgres prepares a statement per
 * distinct row count, so arbitrary batch sizes (a timer flush takes whatever is queued)
 * would each be parsed and planned anew, at twice the cost per row. (COPY would avoid
 * that, but the driver never settles a failed COPY: porsager/postgres#1173.) A batch of
 * several statements is one transaction, so a retry never writes a row twice.
 */
async function insertRows(sql: Tx, rows: Row[]): Promise<void> {
  const chunks: Row[][] = []
  for (let i = 0; i < rows.length; ) {
    const n = CHUNK_SIZES.find((size) => size <= rows.length - i)!
    chunks.push(rows.slice(i, (i += n)))
  }
  const insert = async (tx: Tx) => {
    for (const chunk of chunks) await tx`insert into scim_events ${tx(chunk, COLUMNS)}`
  }
  if (chunks.length > 1 && 'begin' in sql) await sql.begin(insert)
  else await insert(sql)
}

/** Of these rows, those whose organization still exists (a deleted one takes its events with it). */
async function rowsOfLiveOrganizations(sql: Sql, rows: Row[]): Promise<Row[]> {
  const ids = [...new Set(rows.map((r) => r.organizationId))]
  const live = await sql<{ id: string }[]>`select id from organizations where id in ${sql(ids)}`
  const keep = new Set(live.map((o) => o.id))
  return rows.filter((r) => keep.has(r.organizationId))
}

export type AuditBufferOptions = { maxBodyBytes?: number; flushMs?: number; maxBatch?: number; maxQueue?: number; outageRetryMs?: number }

const RETRY_DELAY_MS = 250
/** While the database is away, retries start at `outageRetryMs` and double up to this. */
const OUTAGE_RETRY_MAX_MS = 5000
/** How long close() keeps trying to write what is queued before it gives the rest up. */
const CLOSE_TIMEOUT_MS = 5000
/** Summaries per log line of given-up events: the count is always exact. */
const MAX_SUMMARIES = 50

export class AuditBuffer {
  readonly stats = { written: 0, failed: 0, dropped: 0 }
  private readonly maxBodyBytes: number
  private readonly flushMs: number
  private readonly maxBatch: number
  private readonly maxQueue: number
  private readonly outageRetryMs: number
  private queue: Row[] = []
  private timer: ReturnType<typeof setTimeout> | undefined
  /** The last scheduled drain; drains run one after another, in push order. */
  private chain: Promise<void> = Promise.resolve()
  /** A drain scheduled behind the running one and not started yet: later flushes share it. */
  private next: Promise<void> | undefined
  /** Set while the database is unreachable: the retry timer drains, pushes only queue. */
  private outage: { since: number; retryMs: number } | null = null
  private writing = 0
  private overflowed: Row[] = []
  private overflowCount = 0
  private closed = false

  constructor(
    private readonly sql: Sql,
    private readonly log: Log,
    opts: AuditBufferOptions = {},
  ) {
    this.maxBodyBytes = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    this.flushMs = opts.flushMs ?? 200
    // Small batches: building an INSERT holds the event loop (~15 µs a row), which
    // requests waiting behind it would feel in their latency.
    this.maxBatch = Math.min(Math.max(1, opts.maxBatch ?? 100), ROWS_PER_STATEMENT)
    this.maxQueue = Math.max(1, opts.maxQueue ?? 10_000)
    this.outageRetryMs = Math.max(1, opts.outageRetryMs ?? 250)
  }

  /** Events not written yet: queued, or in a write under way. */
  get pending(): number {
    return this.queue.length + this.writing
  }

  /** Queues an event. Never throws and never waits: the request it describes is already answered. */
  push(e: AuditEvent): void {
    try {
      if (this.closed) {
        this.give([toRow(e, this.maxBodyBytes)], 'event pushed after close()')
        return
      }
      const row = toRow(e, this.maxBodyBytes)
      this.queue.push(row)
      this.trim()
      if (this.outage) return // the outage's retry timer drains
      if (this.queue.length >= this.maxBatch) void this.flush()
      else if (!this.timer) {
        this.timer = setTimeout(() => void this.flush(), this.flushMs)
        // close() is what flushes at shutdown; a pending timer must not hold the process open.
        this.timer.unref?.()
      }
    } catch (err) {
      this.stats.failed++
      this.log.error('audit: event could not be recorded', { error: (err as Error).message, event: summary(e) })
    }
  }

  /** Resolves once every event pushed before the call is written, kept for a retry, or given up. Never rejects. */
  flush(): Promise<void> {
    clearTimeout(this.timer)
    this.timer = undefined
    if (!this.next) {
      const step = this.chain
        .then(() => {
          this.next = undefined
          return this.drain()
        })
        // write() handles database errors; this keeps a bug elsewhere from wedging every later flush.
        .catch((err) => this.log.error('audit: flush failed unexpectedly', err))
      this.next = step
      this.chain = step
    }
    return this.next
  }

  /**
   * Refuses later events and writes what is queued, trying for up to `timeoutMs` while the
   * database is away; what is still queued then is given up (logged and counted). Call at
   * shutdown, before closing `sql`.
   */
  async close(timeoutMs = CLOSE_TIMEOUT_MS): Promise<void> {
    this.closed = true
    const deadline = Date.now() + timeoutMs
    for (;;) {
      await Promise.race([this.flush(), Bun.sleep(Math.max(0, deadline - Date.now()))])
      if (!this.queue.length || Date.now() >= deadline) break
      await Bun.sleep(Math.min(this.outage?.retryMs ?? RETRY_DELAY_MS, Math.max(0, deadline - Date.now())))
    }
    clearTimeout(this.timer)
    this.reportOverflow()
    if (this.queue.length) this.give(this.queue.splice(0), 'the process stopped while the database could not be reached')
    if (this.writing) {
      // A write still waiting for a connection: counted as given up, though it may yet land.
      this.stats.dropped += this.writing
      this.log.error('audit: events dropped', { count: this.writing, reason: 'the process stopped while they were being written; they may or may not be stored' })
    }
  }

  private async drain(): Promise<void> {
    while (this.queue.length) {
      const batch = this.queue.splice(0, this.maxBatch)
      this.writing = batch.length
      const written = await this.write(batch).finally(() => (this.writing = 0))
      if (written) continue
      // The database is away: the batch goes back in front (order kept), a timer tries again.
      this.queue.unshift(...batch)
      this.trim()
      this.retryLater()
      break
    }
    this.reportOverflow()
  }

  /** False when the database could not be reached and the rows should wait; true otherwise. */
  private async write(rows: Row[]): Promise<boolean> {
    try {
      await insertRows(this.sql, rows)
      this.stats.written += rows.length
      this.recovered()
      return true
    } catch (err) {
      if (databaseTrouble(err)) return false
      this.log.warn('audit: writing a batch failed; retrying once', { events: rows.length, error: (err as Error).message })
    }
    let pending = rows
    try {
      await Bun.sleep(RETRY_DELAY_MS)
      // The likeliest permanent failure is an organization deleted since the request:
      // its events cannot be stored, the rest of the batch can.
      pending = await rowsOfLiveOrganizations(this.sql, rows)
      if (pending.length < rows.length) {
        const kept = new Set(pending)
        this.lost(rows.filter((r) => !kept.has(r)), 'organization does not exist')
      }
      await insertRows(this.sql, pending)
      this.stats.written += pending.length
    } catch (err) {
      if (databaseTrouble(err)) return false
      this.lost(pending, (err as Error).message)
    }
    return true
  }

  private retryLater(): void {
    if (!this.outage) {
      this.outage = { since: Date.now(), retryMs: this.outageRetryMs }
      this.log.warn('audit: the database cannot be reached; keeping events in memory until it is back', { queued: this.queue.length, maxQueue: this.maxQueue })
    } else {
      this.outage.retryMs = Math.min(this.outage.retryMs * 2, OUTAGE_RETRY_MAX_MS)
    }
    if (this.closed) return // close() drives its own retries
    clearTimeout(this.timer)
    this.timer = setTimeout(() => void this.flush(), this.outage.retryMs)
    this.timer.unref?.()
  }

  private recovered(): void {
    if (!this.outage) return
    this.log.info('audit: the database is back; writing the events kept meanwhile', { outageMs: Date.now() - this.outage.since, queued: this.queue.length })
    this.outage = null
  }

  /** Keeps the queue within maxQueue by giving up the oldest events. */
  private trim(): void {
    const over = this.queue.length - this.maxQueue
    if (over <= 0) return
    const dropped = this.queue.splice(0, over)
    this.stats.dropped += dropped.length
    this.overflowCount += dropped.length
    if (this.overflowed.length < MAX_SUMMARIES) this.overflowed.push(...dropped.slice(0, MAX_SUMMARIES - this.overflowed.length))
  }

  private reportOverflow(): void {
    if (!this.overflowCount) return
    this.log.error('audit: the queue was full (the database could not keep up or was away); the oldest events were dropped', {
      count: this.overflowCount, maxQueue: this.maxQueue, events: this.overflowed.map(summary),
    })
    this.overflowCount = 0
    this.overflowed = []
  }

  /** Events given up without a write attempt failing (shutdown, after close): dropped. */
  private give(rows: Row[], reason: string): void {
    this.stats.dropped += rows.length
    this.log.error('audit: events dropped', { count: rows.length, reason, events: rows.slice(0, MAX_SUMMARIES).map(summary) })
  }

  private lost(rows: Row[], reason: string) {
    this.stats.failed += rows.length
    // The log line is the last record of these events: say which they were.
    this.log.error('audit: events could not be written', { count: rows.length, error: reason, events: rows.map(summary) })
  }
}

/** Enough to identify an event in the log, without its bodies. Safe on any input: push() must not throw. */
function summary(e: Partial<Pick<AuditEvent, 'organizationId' | 'method' | 'path' | 'status' | 'userName' | 'createdAt'>> | null | undefined) {
  const path = typeof e?.path === 'string' ? redactText(e.path.slice(0, 1024)) : undefined
  return { organizationId: e?.organizationId, method: e?.method, path, status: e?.status, userName: e?.userName, createdAt: e?.createdAt }
}
