// What the bridge and events benchmarks run against: their own Postgres database and
// Temporal dev server, the admin API in-process, and the environment for a worker process.
import { admin } from '../server/admin'
import { loadConfig } from '../server/config'
import { connect } from '../server/db/client'
import { migrate } from '../server/db/migrate'
import { createLog } from '../server/log'
import { connectTemporal } from '../server/temporal'
import { startPostgres, startTemporal } from '../dev/services'

export async function startStack(database: string) {
  const adminToken = `bench-${crypto.randomUUID()}`
  const pg = await startPostgres({ database, fast: true, fresh: true })
  const temporalDev = await startTemporal({ dbFile: null })
  const env = {
    DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporalDev.address, TEMPORAL_TASK_QUEUE: `bench-${crypto.randomUUID()}`, OUTBOUND_ALLOW_PRIVATE: 'true',
    SECRETS_KEY: Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex'), ADMIN_TOKEN: adminToken, LOG_LEVEL: 'error',
  }
  const config = loadConfig(env)
  const sql = connect(pg.url, 5)
  await migrate(sql)
  const temporal = await connectTemporal(config)
  const app = admin({ config, sql, temporal, log: createLog('error') })

  async function api<T = { id: string }>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await app.handle(new Request(`http://bench/api/admin/v1${path}`, {
      method, headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body === undefined ? null : JSON.stringify(body),
    }))
    const json = (await res.json()) as T
    if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
    return json
  }

  return {
    env, sql, temporal, api,
    async stop() {
      await temporal.close()
      await sql.end()
      await temporalDev.stop()
      await pg.stop()
    },
  }
}
