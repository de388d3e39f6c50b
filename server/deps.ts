// What the HTTP plugins are built from. Its own module, below app.ts: the plugins import
// this type, and app.ts imports the plugins.
import type { AuditBuffer } from './audit'
import type { Config } from './config'
import type { Sql } from './db/client'
import type { Log } from './log'
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
