// Shared test wiring: one real Postgres (DATABASE_URL from `bun run test`), migrated
// once per process, and the app built exactly as `serve` builds it.
import { createOrganization } from '../server/organizations/store'
import { Client, Connection } from '@temporalio/client'
import { buildApp, type Deps } from '../server/app'
import { AuditBuffer } from '../server/audit'
import { loadConfig } from '../server/config'
import { connect, type Sql, type Tx } from '../server/db/client'
import { migrate } from '../server/db/migrate'
import { createLog } from '../server/log'

export const ADMIN_TOKEN = 'test-admin-token-0123456789'

let shared: { sql: Sql; ready: Promise<unknown> } | undefined

export function testSql(): Sql {
  if (!shared) {
    const url = process.env.DATABASE_URL
    if (!url) throw new Error('DATABASE_URL is not set: run the suite with `bun run test`, which starts Postgres and Temporal')
    const sql = connect(url, 20)
    shared = { sql, ready: migrate(sql) }
  }
  return shared.sql
}

export async function migratedSql(): Promise<Sql> {
  const sql = testSql()
  await shared!.ready
  return sql
}

export function testConfig(env: Record<string, string> = {}) {
  return loadConfig({ ADMIN_TOKEN, PUBLIC_URL: 'http://localhost', LOG_LEVEL: 'error', OUTBOUND_ALLOW_PRIVATE: 'true', ...env })
}

/**
 * The app as `serve` builds it. Without a `temporal`, one that cannot be reached (a
 * lazy connection to a closed port): tests that need no workflows see what `serve`
 * would answer while Temporal is down.
 */
export async function testApp(overrides: Partial<Deps> & { env?: Record<string, string> } = {}) {
  const sql = await migratedSql()
  const { env, ...rest } = overrides
  const config = testConfig(env)
  const log = createLog('error')
  const deps: Deps = {
    config,
    sql,
    log,
    temporal: rest.temporal ?? unreachableTemporal(),
    audit: rest.audit ?? new AuditBuffer(rest.sql ?? sql, log, { maxBodyBytes: config.AUDIT_MAX_BODY_BYTES }),
    ...rest,
  }
  const app = buildApp(deps)
  return { app, deps, sql }
}

export function unreachableTemporal(): Deps['temporal'] {
  const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: '1s' })
  return { client: new Client({ connection }), connection, close: () => connection.close() }
}

export type Reply = { status: number; headers: Headers; body: any }

export async function call(app: { handle(r: Request): Promise<Response> }, method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) }
  if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`
  let body: string | undefined
  if (opts.body !== undefined) {
    body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    headers['content-type'] ??= 'application/json'
  }
  return reply(await app.handle(new Request(`http://localhost${path}`, { method, headers, body })))
}

/** A response with its body parsed as JSON when it is JSON, else kept as text. */
export async function reply(res: Response): Promise<Reply> {
  const text = await res.text()
  let parsed: unknown = text
  try {
    parsed = text ? JSON.parse(text) : null
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed }
}

/** admin(app)('POST', '/organizations', {name}) with the admin token. */
export const admin = (app: { handle(r: Request): Promise<Response> }) => (method: string, path: string, body?: unknown) =>
  call(app, method, `/api/admin/v1${path}`, { token: ADMIN_TOKEN, body })

/** A fresh organization straight in the database (no SCIM configuration): its id. */
export async function createOrg(sql: Tx, name = `org-${crypto.randomUUID().slice(0, 8)}`): Promise<string> {
  return (await createOrganization(sql, name)).id
}

/** A fresh organization with a SCIM configuration, through the admin API: tests stay isolated by tenant. */
export async function newOrg(app: { handle(r: Request): Promise<Response> }, name = `org-${crypto.randomUUID().slice(0, 8)}`) {
  const a = admin(app)
  const org = await a('POST', '/organizations', { name })
  if (org.status !== 201) throw new Error(`creating an organization failed: ${org.status} ${JSON.stringify(org.body)}`)
  const conf = await a('POST', `/organizations/${org.body.id}/scim-configuration`)
  if (conf.status !== 201) throw new Error(`creating a SCIM configuration failed: ${conf.status} ${JSON.stringify(conf.body)}`)
  return { orgId: org.body.id as string, token: conf.body.token as string, configurationId: conf.body.id as string }
}

/**
 * Holds what `lock` locks (e.g. `select ... for update`) in a transaction of its own, as a
 * long writer such as a directory sync would, until `release()`.
 */
export async function holdLocks(sql: Sql, lock: (tx: Tx) => Promise<unknown>): Promise<{ release(): Promise<void> }> {
  let release!: () => void
  let locked!: () => void
  const isLocked = new Promise<void>((r) => (locked = r))
  const holder = sql.begin(async (tx) => {
    await lock(tx)
    locked()
    await new Promise<void>((r) => (release = r))
  })
  await Promise.race([isLocked, holder])
  return {
    release: async () => {
      release()
      await holder
    },
  }
}
