// Builds the HTTP app from its plugins. Tests call buildApp(deps).handle(new Request(...)).
import { Elysia } from 'elysia'
import { admin } from './admin'
import { AuditBuffer } from './audit'
import type { Deps } from './deps'
import { health } from './health'
import { scim } from './scim'

export function buildApp(deps: Deps) {
  const audit = deps.audit ?? new AuditBuffer(deps.sql, deps.log, { maxBodyBytes: deps.config.AUDIT_MAX_BODY_BYTES })
  return new Elysia().use(health(deps)).use(admin(deps)).use(scim({ ...deps, audit }))
}

export type App = ReturnType<typeof buildApp>
