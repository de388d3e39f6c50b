// The composition root of the HTTP server: builds each plugin from the dependencies it
// uses. Tests call buildApp(deps).handle(new Request(...)).
import { Elysia } from 'elysia'
import { KnownCredentials } from './access-keys/known'
import { admin } from './admin'
import { MAX_WAIT_SECONDS } from './admin/feed'
import { type AuditBuffer, pruneEvents } from './audit'
import { authFailures } from './auth-failures'
import type { Config } from './config'
import type { Sql } from './db/client'
import { consolePages, consoleSession } from './console'
import { health } from './health'
import type { Log } from './log'
import { metrics } from './metrics'
import type { Pruner } from './retention'
import { scim } from './scim'
import { pruneRuns } from '../bridge/store'
import { pruneDeliveries } from '../webhook/store'
import type { Temporal } from './temporal'

export type Deps = {
  config: Config
  sql: Sql
  temporal: Temporal
  log: Log
  /** SCIM request events, flushed in batches. Close it at shutdown. */
  audit: AuditBuffer
}

export function buildApp({ config, sql, temporal, log, audit }: Deps) {
  const observed = metrics({ config, sql, log, audit })
  // One failed-auth budget for SCIM, the admin API and the console login; live credentials pass it.
  authFailures(config, log).trust(new KnownCredentials(sql, config.ADMIN_TOKEN, log))
  // The request hooks (ids, access log, counts) are global and cover the routes mounted
  // after them; the console's pages stay static routes only if they come before the
  // request-time half (server/metrics/requests.ts).
  return new Elysia()
    .use(observed.answered)
    .use(consolePages())
    .use(observed.routes)
    .use(consoleSession({ config, sql, log }))
    .use(health({ sql, temporal }))
    .use(admin({ config, sql, temporal, log }))
    .use(scim({ config, sql, log, audit }))
}

export type App = ReturnType<typeof buildApp>

/**
 * How `serve` listens. Bun closes a connection whose request is not answered within the
 * idle timeout (Elysia sets 30 s): a feed long poll waits up to MAX_WAIT_SECONDS, and an
 * admin action waiting on a busy worker can take as long; they must get their answer.
 */
export function listenOptions(config: Pick<Config, 'PORT' | 'HOST'>) {
  return { port: config.PORT, hostname: config.HOST, idleTimeout: MAX_WAIT_SECONDS + 30 }
}

/** The tables `serve` prunes (server/retention.ts), with their configured retention. */
export function pruners(config: Pick<Config, 'AUDIT_RETENTION_DAYS' | 'DELIVERY_RETENTION_DAYS' | 'RUN_RETENTION_DAYS'>): Pruner[] {
  return [
    { name: 'audit', rows: 'events', retentionDays: config.AUDIT_RETENTION_DAYS, prune: pruneEvents },
    { name: 'webhooks', rows: 'deliveries', retentionDays: config.DELIVERY_RETENTION_DAYS, prune: pruneDeliveries },
    { name: 'bridges', rows: 'runs', retentionDays: config.RUN_RETENTION_DAYS, prune: pruneRuns },
  ]
}
