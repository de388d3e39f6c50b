// GET /metrics (Prometheus text; METRICS_TOKEN bearer when set) and the request tracking
// every route goes through (request ids, access log, request metrics: ./requests.ts).
// Counts of this process (requests, audit buffer) are per replica: sum them. What comes
// from Postgres (./database.ts) is the same on every replica: take the max.
import { Elysia } from 'elysia'
import type { AuditBuffer } from '../audit'
import type { Config } from '../config'
import type { Sql } from '../db/client'
import { bearer, safeEqual } from '../http'
import type { Log } from '../log'
import { databaseMetrics } from './database'
import { Counter, CONTENT_TYPE, Gauge, Registry } from './registry'
import { requestMetrics, requestTracking } from './requests'

export type MetricsDeps = {
  config: Pick<Config, 'METRICS_TOKEN'>
  sql: Sql
  log: Log
  audit: Pick<AuditBuffer, 'stats' | 'pending'>
}

/**
 * `answered` is mounted before the routes that must stay static (the console), `routes`
 * after them: see requestTracking.
 */
export function metrics({ config, sql, log, audit }: MetricsDeps) {
  const registry = new Registry()
  const requests = requestMetrics(registry)
  const auditPending = registry.register(new Gauge('audit_buffer_pending', 'SCIM audit events queued or being written by this process'))
  const auditWritten = registry.register(new Counter('audit_events_written_total', 'SCIM audit events written by the buffer of this process'))
  const auditDropped = registry.register(
    new Counter('audit_events_dropped_total', 'SCIM audit events lost by this process: queue (the queue overflowed or shut down), write_failed (the database refused them)', ['reason']),
  )
  const fromDatabase = databaseMetrics(registry, sql)
  const { answered, arrived } = requestTracking(log, requests)

  const routes = new Elysia({ name: 'metrics' })
    .use(arrived)
    .get('/metrics', async ({ request, set }) => {
      const token = config.METRICS_TOKEN
      if (token !== undefined && !safeEqual(bearer(request.headers.get('authorization')) ?? '', token)) {
        set.status = 401
        set.headers['www-authenticate'] = 'Bearer'
        return { error: { code: 'unauthorized', message: 'send METRICS_TOKEN as Authorization: Bearer <token>' } }
      }
      auditPending.set({}, audit.pending)
      auditWritten.set({}, audit.stats.written)
      auditDropped.set({ reason: 'queue' }, audit.stats.dropped)
      auditDropped.set({ reason: 'write_failed' }, audit.stats.failed)
      await fromDatabase((e) => log.warn('metrics: could not read the database metrics', e))
      set.headers['content-type'] = CONTENT_TYPE
      return registry.render()
    })
  return { answered, routes }
}
