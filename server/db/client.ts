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
