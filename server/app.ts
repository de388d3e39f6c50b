// Builds the HTTP app from its plugins. Tests call buildApp(deps).handle(new Request(...)).
import { Elysia } from 'elysia'
import { admin } from './admin'
import type { Config } from './config'
import type { Sql } from './db/client'
import { health } from './health'
import type { Log } from './log'
import type { Temporal } from './temporal'

export type Deps = {
  config: Config
  sql: Sql
  /** Absent only in tests that need no workflows. */
  temporal?: Temporal
  log: Log
}

export function buildApp(deps: Deps) {
  return new Elysia().use(health(deps)).use(admin(deps))
}

export type App = ReturnType<typeof buildApp>
