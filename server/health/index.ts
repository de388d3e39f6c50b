// Liveness (/healthz: the process answers) and readiness (/readyz: Postgres and Temporal reachable).
import { Elysia } from 'elysia'
import { RETRY_AFTER_SECONDS, type Sql } from '../db/client'
import { firstLine, type Temporal } from '../temporal'

const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([p, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms))])

export function health(deps: { sql: Sql; temporal: Pick<Temporal, 'connection'> }) {
  return new Elysia({ name: 'health' })
    .get('/healthz', () => ({ status: 'ok' }))
    .get('/readyz', async ({ set }) => {
      const checks: Record<string, string> = {}
      await within(2000, deps.sql`select 1`).then(
        () => (checks.postgres = 'ok'),
        (e) => (checks.postgres = `unreachable: ${firstLine(e)}`),
      )
      await within(2000, deps.temporal.connection.workflowService.getSystemInfo({})).then(
        () => (checks.temporal = 'ok'),
        (e) => (checks.temporal = `unreachable: ${firstLine(e)}`),
      )
      const ready = Object.values(checks).every((c) => c === 'ok')
      if (!ready) {
        set.status = 503
        set.headers['retry-after'] = String(RETRY_AFTER_SECONDS)
      }
      return { status: ready ? 'ready' : 'not ready', checks }
    })
}
