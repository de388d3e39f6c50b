// Helpers shared by the retention tests (server/retention.ts and the prune functions next
// to each table's store).
import type { Sql } from '../../server/db/client'

export const daysAgo = (d: number) => new Date(Date.now() - d * 24 * 60 * 60 * 1000)

/**
 * Runs `prune` on an `sql` that records how many rows each statement deletes: its
 * batches. Also how far the /metrics counters moved meanwhile (they must not).
 */
export async function pruneCounted(sql: Sql, prune: (counted: Sql) => Promise<number>) {
  const batches: number[] = []
  const counted = (strings: TemplateStringsArray, ...values: unknown[]) =>
    sql(strings, ...(values as never[])).then((result) => {
      batches.push(result.count)
      return result
    })
  const metrics = await metricTotal(sql)
  const deleted = await prune(counted as unknown as Sql)
  return { deleted, batches, metricsMoved: (await metricTotal(sql)) - metrics }
}

export async function insertBridge(sql: Sql, orgId: string): Promise<string> {
  const [bridge] = await sql<{ id: string }[]>`
    insert into bridges (organization_id, provider, settings_encrypted, interval_seconds)
    values (${orgId}, 'okta', 'not-read-here', 3600) returning id`
  return bridge!.id
}

export async function insertEndpoint(sql: Sql, orgId: string): Promise<string> {
  const [endpoint] = await sql<{ id: string }[]>`
    insert into webhook_endpoints (organization_id, url, secret_encrypted, cursor_seq)
    values (${orgId}, 'http://127.0.0.1:1/hook', 'not-read-here', 0) returning id`
  return endpoint!.id
}

/** The sum of every counter /metrics reads from the database: a prune must not move it. */
async function metricTotal(sql: Sql): Promise<number> {
  const [row] = await sql<{ total: number }[]>`select coalesce(sum(value), 0)::float8 as total from metric_counts`
  return row!.total
}

/** Deliveries to `endpointId` made `ages` days ago, in that order (ids ascending), event ids e0, e1, ... */
export async function insertDeliveries(sql: Sql, endpointId: string, ages: number[]): Promise<void> {
  for (const [i, age] of ages.entries()) {
    await sql`
      insert into webhook_deliveries (endpoint_id, event_id, event_type, attempt, ok, latency_ms, created_at)
      values (${endpointId}, ${`e${i}`}, 'user.created', 1, true, 5, ${daysAgo(age)})`
  }
}

/** A run per age (days ago it started), finished unless `outcome` says running. */
export async function insertRuns(sql: Sql, orgId: string, bridgeId: string, ages: number[], outcome: 'succeeded' | 'running' = 'succeeded'): Promise<void> {
  for (const age of ages) {
    await sql`
      insert into bridge_runs (organization_id, bridge_id, started_at, finished_at, outcome)
      values (${orgId}, ${bridgeId}, ${daysAgo(age)}, ${outcome === 'running' ? null : daysAgo(age)}, ${outcome})`
  }
}

/** The delivery log of an endpoint as its event ids, oldest first. */
export const deliveredEvents = (sql: Sql, endpointId: string) =>
  sql<{ eventId: string }[]>`select event_id from webhook_deliveries where endpoint_id = ${endpointId} order by id`.then((r) => r.map((d) => d.eventId))

/** A bridge's runs as how many days ago they started, newest first. */
export const runAges = (sql: Sql, bridgeId: string) =>
  sql<{ age: number; outcome: string }[]>`
    select round(extract(epoch from now() - started_at) / 86400)::int as age, outcome
    from bridge_runs where bridge_id = ${bridgeId} order by started_at desc`

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
