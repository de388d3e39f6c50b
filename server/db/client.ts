// One `sql` per process. Columns come back camelCased (user_name -> userName), and
// object keys passed to sql(obj) go out snake_cased.
import postgres from 'postgres'

export type Sql = postgres.Sql<{}>
/** A `sql` usable both at top level and inside `sql.begin`. */
export type Tx = postgres.Sql<{}> | postgres.TransactionSql<{}>

export const CAMEL_COLUMNS = { column: { from: postgres.toCamel, to: postgres.fromCamel } }

export interface ConnectOptions {
  /**
   * How long a statement waits for a row lock before it fails with 55P03. The API sets
   * it so a request queued behind a long writer (a directory sync) answers 503 in
   * seconds rather than hanging until statement_timeout; the worker leaves it unset.
   */
  lockTimeoutMs?: number
}

export function connect(url: string, max = 10, opts: ConnectOptions = {}): Sql {
  return postgres(url, {
    max,
    // Column names only: postgres.camel would also rewrite every key inside jsonb values
    // (a deep copy of each emails/addresses array on every read, and a key like
    // `employee_id` in stored data would come back as `employeeId`).
    transform: CAMEL_COLUMNS,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 30,
    // Reconnect soon after the database is back: the driver's default backoff grows with
    // every failed attempt across the pool (3^n / 100 s, up to 20 s), so a 1 s restart
    // left requests failing for 5 s and more after it. At most 1 s between attempts.
    backoff: (attempts: number) => Math.min(0.05 * 2 ** attempts, 1),
    // Keep statements bounded so a stuck query cannot pin a pool slot forever.
    connection: {
      statement_timeout: 60_000,
      application_name: 'scim-bridge',
      ...(opts.lockTimeoutMs ? { lock_timeout: opts.lockTimeoutMs } : {}),
    },
  })
}

/** Turns a driver connection failure into one line that says what to fix. */
export async function ping(sql: Sql, url: string): Promise<void> {
  try {
    await sql`select 1`
  } catch (e) {
    const where = redactUrl(url)
    throw new Error(`postgres: cannot connect to ${where}: ${(e as Error).message}. Check DATABASE_URL and that the server is running.`)
  }
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url)
    if (u.password) u.password = '***'
    return u.toString()
  } catch {
    return '(unparseable DATABASE_URL)'
  }
}

/**
 * What a database error says about the database rather than about the request:
 * - `busy`: it answered, but not now: lock_timeout (55P03, a row a directory sync holds),
 *   statement_timeout (57014), a deadlock or serialization failure (40P01, 40001);
 * - `unavailable`: it is not there: the connection was refused, reset or closed (a restart,
 *   a failover, a terminated backend, a pooler that dropped us), or the server is starting
 *   up, shutting down or out of connections.
 * Both are worth a retry: the APIs answer 503 with Retry-After, the worker retries soon.
 * Null for anything else (a bug, a constraint the request broke).
 */
export function databaseTrouble(e: unknown): 'busy' | 'unavailable' | null {
  const code = (e as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return null
  if (BUSY.has(code)) return 'busy'
  if (UNAVAILABLE.has(code) || code.startsWith('08')) return 'unavailable'
  return null
}

const BUSY = new Set(['55P03', '57014', '40P01', '40001'])
const UNAVAILABLE = new Set([
  // The driver's own (porsager/postgres errors.js) and the socket's.
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED', 'CONNECT_TIMEOUT',
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN',
  // admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections.
  '57P01', '57P02', '57P03', '53300',
])

/** unique_violation: a unique index refused the row (a userName taken, a race lost). */
export function isUniqueViolation(e: unknown): boolean {
  return (e as { code?: unknown } | null)?.code === '23505'
}

/** How long a client is told to wait when the database is busy or away. */
export const RETRY_AFTER_SECONDS = 5
