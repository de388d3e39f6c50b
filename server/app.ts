// Builds the HTTP app from its plugins. Tests call buildApp(deps).handle(new Request(...)).
import { Elysia } from 'elysia'
import { admin } from './admin'
import { AuditBuffer } from './audit'
import type { Config } from './config'
import type { Sql } from './db/client'
import { health } from './health'
import type { Log } from './log'
import { scim } from './scim'
import type { Temporal } from './temporal'

export type Deps = {
  config: Config
  sql: Sql
  /** Absent only in tests that need no workflows. */
  temporal?: Temporal
  log: Log
  /** SCIM request events, flushed in batches; built by buildApp when not given. Close it at shutdown. */
  audit?: AuditBuffer
}

export function buildApp(deps: Deps) {
  const audit = deps.audit ?? new AuditBuffer(deps.sql, deps.log, { maxBodyBytes: deps.config.AUDIT_MAX_BODY_BYTES })
  return new Elysia().use(health(deps)).use(admin(deps)).use(scim({ ...deps, audit }))
}

export type App = ReturnType<typeof buildApp>
