// A bridge test's world: our Bun worker on a task queue of its own, the app wired to the
// same Temporal, and helpers to create bridges and wait for what the workflow does.
import type { Sql } from '../../../../server/db/client'
import { createLog } from '../../../../server/log'
import { connectTemporal, type Temporal } from '../../../../server/temporal'
import { startWorker } from '../../../../server/worker'
import { admin, migratedSql, newOrg, testApp, testConfig, type Reply } from '../../../support'

export const SECRETS_KEY = 'a3'.repeat(32)

export interface Harness {
  env: Record<string, string>
  sql: Sql
  temporal: Temporal
  api: ReturnType<typeof admin>
  app: Awaited<ReturnType<typeof testApp>>['app']
  /** Starts (again) the in-process worker; a test may stop it to use another. */
  startWorker(): Promise<void>
  stopWorker(): Promise<void>
  stop(): Promise<void>
}

/** `temporalAddress`: a Temporal of the test's own (default: the suite's, TEMPORAL_ADDRESS). */
export async function harness(name: string, opts: { worker?: boolean; temporalAddress?: string } = {}): Promise<Harness> {
  const env = {
    TEMPORAL_ADDRESS: opts.temporalAddress ?? process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: `bridge-${name}-${crypto.randomUUID()}`,
    SECRETS_KEY,
  }
  const config = testConfig(env)
  const sql = await migratedSql()
  const temporal = await connectTemporal(config)
  const { app } = await testApp({ env, temporal })
  let worker: Awaited<ReturnType<typeof startWorker>> | undefined
  const h: Harness = {
    env, sql, temporal, app, api: admin(app),
    async startWorker() {
      worker = await startWorker({ config, sql, log: createLog('error') })
    },
    async stopWorker() {
      await worker?.stop()
      worker = undefined
    },
    async stop() {
      await h.stopWorker()
      await temporal.close()
    },
  }
  if (opts.worker !== false) await h.startWorker()
  return h
}

/** A new organization and a bridge in it; throws unless the create answers 201. */
export async function createBridge(h: Harness, body: Record<string, unknown>): Promise<{ orgId: string; bridge: Record<string, any> }> {
  const { orgId } = await newOrg(h.app)
  const res = await h.api('POST', `/organizations/${orgId}/bridges`, body)
  if (res.status !== 201) throw new Error(`creating a bridge failed: ${res.status} ${JSON.stringify(res.body)}`)
  return { orgId, bridge: res.body }
}

/** Polls `read` until `ok` holds (or fails with the last value seen). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let last: T = await read()
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}`)
    await Bun.sleep(100)
    last = await read()
  }
  return last
}

export const getBridge = (h: Harness, id: string) => h.api('GET', `/bridges/${id}`).then((r: Reply) => r.body)

export function untilState(h: Harness, id: string, state: string, timeoutMs?: number) {
  return eventually(() => getBridge(h, id), (b) => b.state === state, `bridge ${id} to be ${state}`, timeoutMs)
}

/** The bridge's users, by userName. */
export async function usersOf(sql: Sql, orgId: string) {
  const rows = await sql<{ userName: string; active: boolean; externalId: string | null; source: string; version: number; title: string | null; managerId: string | null; id: string }[]>`
    select id, user_name, active, external_id, source, version, title, manager_id from users where organization_id = ${orgId} order by user_name`
  return new Map(rows.map((r) => [r.userName, r]))
}

export const runsOf = (h: Harness, id: string) => h.api('GET', `/bridges/${id}/runs?limit=200`).then((r: Reply) => r.body.items as Record<string, any>[])
