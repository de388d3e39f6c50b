// What the worker does (bridge syncs, webhook deliveries) and what the database holds
// (bridges per state, the event backlog), read from Postgres when /metrics is scraped, so
// every `serve` replica reports the same numbers: aggregate them with max(), not sum().
// The *_total counters and the sync durations are the metric_counts rows that triggers
// keep as runs finish and deliveries are recorded (migration 0016): a scrape reads a few
// rows, and deleting a bridge or an endpoint takes nothing back.
import type { Sql } from '../db/client'
import { Counter, Gauge, Histogram, type Registry } from './registry'

/** The bounds migration 0016's bridge_sync_bucket() counts in. */
export const SYNC_SECONDS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600]
const BRIDGE_STATES = ['pending', 'syncing', 'active', 'failed', 'disabled', 'paused']
const ENDPOINT_STATES = ['active', 'paused', 'disabled']

/** Scrapes closer together than this share one reading: a dashboard of many panels costs one round of queries. */
const FRESH_MS = 10_000

export function databaseMetrics(registry: Registry, sql: Sql) {
  const m = {
    bridges: registry.register(new Gauge('bridges', 'Bridges by state', ['state'])),
    syncs: registry.register(new Counter('bridge_syncs_total', 'Bridge sync runs finished, by provider and outcome', ['provider', 'outcome'])),
    syncing: registry.register(new Gauge('bridge_syncs_running', 'Bridge sync runs started and not finished, by provider', ['provider'])),
    syncSeconds: registry.register(new Histogram('bridge_sync_duration_seconds', 'Duration of finished bridge sync runs, by provider', ['provider'], SYNC_SECONDS)),
    deliveries: registry.register(new Counter('webhook_deliveries_total', 'Webhook delivery attempts, by outcome', ['outcome'])),
    endpoints: registry.register(new Gauge('webhook_endpoints', 'Webhook endpoints by state', ['state'])),
    lag: registry.register(new Gauge('events_outbox_lag_seconds', 'Age of the oldest directory event an active webhook endpoint has not handled yet (0: none waiting)')),
    backlog: registry.register(new Gauge('events_outbox_backlog', 'Directory events active webhook endpoints have not handled yet, summed over endpoints')),
    connections: registry.register(new Gauge('db_connections', "Postgres connections of scim-bridge processes (all replicas and workers), by state, as pg_stat_activity sees them", ['state'])),
    maxConnections: registry.register(new Gauge('db_max_connections', "Postgres's max_connections")),
    poolMax: registry.register(new Gauge('db_pool_max', "This process's connection pool size (DATABASE_POOL_MAX)")),
    ok: registry.register(new Gauge('metrics_database_read_ok', '1 when the last scrape could read the database metrics, else 0 (and they are missing)')),
  }
  let last: { at: number; reading: Promise<void> } | undefined

  async function read() {
    const [bridges, counts, running, endpoints, [lag], connections, [settings]] = await Promise.all([
      sql<{ state: string; n: number }[]>`select state, count(*)::int as n from bridges group by state`,
      sql<{ metric: string; labels: Record<string, string>; value: number }[]>`select metric, labels, value from metric_counts`,
      sql<{ provider: string; n: number }[]>`
        select b.provider, count(*)::int as n
        from bridge_runs r join bridges b on b.organization_id = r.organization_id and b.id = r.bridge_id
        where r.outcome = 'running' group by b.provider`,
      sql<{ state: string; n: number }[]>`select state, count(*)::int as n from webhook_endpoints group by state`,
      // Per active endpoint, the first event after its cursor: one primary-key probe each.
      sql<{ lag: number; backlog: number }[]>`
        select coalesce(max(extract(epoch from now() - first.occurred_at)), 0)::float8 as lag,
               coalesce(sum(greatest(s.last_seq - e.cursor_seq, 0)), 0)::float8 as backlog
        from webhook_endpoints e
        left join event_sequences s on s.organization_id = e.organization_id
        left join lateral (
          select occurred_at from directory_events d
          where d.organization_id = e.organization_id and d.seq > e.cursor_seq order by d.seq limit 1
        ) first on true
        where e.state = 'active'`,
      sql<{ state: string; n: number }[]>`
        select coalesce(state, 'unknown') as state, count(*)::int as n from pg_stat_activity
        where application_name = 'scim-bridge' group by 1`,
      sql<{ max: number }[]>`select current_setting('max_connections')::int as max`,
    ])
    m.bridges.reset()
    for (const state of BRIDGE_STATES) m.bridges.set({ state }, bridges.find((r) => r.state === state)?.n ?? 0)
    const counted = (metric: string) => counts.filter((c) => c.metric === metric)
    m.syncs.reset()
    for (const c of counted('bridge_syncs_total')) m.syncs.set({ provider: c.labels.provider!, outcome: c.labels.outcome! }, c.value)
    m.syncing.reset()
    for (const r of running) m.syncing.set({ provider: r.provider }, r.n)
    m.syncSeconds.reset()
    const buckets = counted('bridge_sync_duration_seconds')
    for (const { labels, value: sum } of counted('bridge_sync_duration_seconds_sum')) {
      const rows = buckets.filter((b) => b.labels.provider === labels.provider)
      const within = (bound: number) => rows.reduce((n, b) => n + (b.labels.le !== '+Inf' && Number(b.labels.le) <= bound ? b.value : 0), 0)
      // Prometheus buckets are cumulative: bound i counts every run at or below it.
      m.syncSeconds.set({ provider: labels.provider! }, { counts: SYNC_SECONDS.map(within), sum, count: rows.reduce((n, b) => n + b.value, 0) })
    }
    m.deliveries.reset()
    for (const outcome of ['succeeded', 'failed']) m.deliveries.set({ outcome }, counted('webhook_deliveries_total').find((c) => c.labels.outcome === outcome)?.value ?? 0)
    m.endpoints.reset()
    for (const state of ENDPOINT_STATES) m.endpoints.set({ state }, endpoints.find((r) => r.state === state)?.n ?? 0)
    m.lag.set({}, lag!.lag)
    m.backlog.set({}, lag!.backlog)
    m.connections.reset()
    for (const c of connections) m.connections.set({ state: c.state }, c.n)
    m.maxConnections.set({}, settings!.max)
  }

  /** Brings the gauges up to date (at most every FRESH_MS); a failure is logged, reported by metrics_database_read_ok and the series are left out. */
  return async function collect(onError: (e: unknown) => void): Promise<void> {
    m.poolMax.set({}, sql.options.max)
    if (!last || performance.now() - last.at > FRESH_MS) last = { at: performance.now(), reading: read() }
    try {
      await last.reading
      m.ok.set({}, 1)
    } catch (e) {
      last = undefined
      for (const g of [m.bridges, m.syncs, m.syncing, m.syncSeconds, m.deliveries, m.endpoints, m.lag, m.backlog, m.connections, m.maxConnections]) g.reset()
      m.ok.set({}, 0)
      onError(e)
    }
  }
}
