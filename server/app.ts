// The composition root of the HTTP server: builds each plugin from the dependencies it
// uses. Tests call buildApp(deps).handle(new Request(...)).
import { Elysia } from 'elysia'
import { admin } from './admin'
import type { AuditBuffer } from './audit'
import type { Config } from './config'
import type { Sql } from './db/client'
import { adminConsole } from './console'
import { health } from './health'
import type { Log } from './log'
import { scim } from './scim'
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
  return new Elysia()
    .use(health({ sql, temporal }))
    .use(admin({ config, sql, temporal, log }))
    .use(scim({ config, sql, log, audit }))
    .use(adminConsole({ config, sql, log }))
}

export type App = ReturnType<typeof buildApp>
