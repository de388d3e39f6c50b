// Postgres restarted under load, with real processes: `serve` answering SCIM writes and
// reads from several clients, and a `worker` in the middle of a bridge sync. Neither dies;
// requests in the outage get 503 with Retry-After (never a 500); /readyz says Postgres is
// away, then ready; writes succeed again within seconds; every acknowledged write is there
// once, with its audit event; the sync attempt fails cleanly and the bridge converges.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import postgres from 'postgres'
import { ROOT, freePort } from '../../../dev/services'
import { FakeGraph } from '../../fixtures/fake-graph'
import { privateCluster, type PrivateCluster } from '../../fixtures/postgres-cluster'
import { eventually, SECRETS_KEY } from '../workflows/bridge/harness'

const ADMIN_TOKEN = 'fault-admin-token-0123456789'
const CLIENTS = 8
const USERS = 2000

let pg: PrivateCluster
let serve: ReturnType<typeof Bun.spawn>
let worker: ReturnType<typeof Bun.spawn>
const logs: string[] = []
let base = ''
const graph = new FakeGraph().populate(USERS)
graph.pageSize = 100
graph.delayMs = 250 // 20 pages, ~5 s: the restart lands mid-sync

function spawn(cmd: 'serve' | 'worker', env: Record<string, string>) {
  const child = Bun.spawn(['bun', 'server/main.ts', cmd], { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'pipe' })
  void (async () => {
    for await (const chunk of child.stderr as ReadableStream<Uint8Array>) logs.push(...new TextDecoder().decode(chunk).split('\n').filter(Boolean).map((l) => `${cmd}: ${l}`))
  })()
  return child
}

beforeAll(async () => {
  pg = await privateCluster()
  const port = await freePort()
  base = `http://127.0.0.1:${port}`
  const env = {
    DATABASE_URL: pg.url, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, ADMIN_TOKEN, SECRETS_KEY, LOG_LEVEL: 'warn',
    SCIM_RATE_LIMIT_PER_MINUTE: '0', // the load is one token's, far above an IdP's
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!, TEMPORAL_TASK_QUEUE: `faults-${crypto.randomUUID()}`,
  }
  serve = spawn('serve', env)
  await eventually(() => fetch(`${base}/readyz`).then((r) => r.status, () => 0), (s) => s === 200, 'serve to be ready', 30_000)
  worker = spawn('worker', env) // serve applied the migrations
})

afterAll(async () => {
  serve?.kill('SIGKILL')
  worker?.kill('SIGKILL')
  graph.stop()
  await pg?.remove()
})

const adminApi = (method: string, path: string, body?: unknown) =>
  fetch(`${base}/api/admin/v1${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
  }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }))

type Outcome = { op: 'write' | 'read' | 'admin'; status: number; retryAfter: string | null; at: number; ms: number; userName: string; body?: any }

test('a Postgres restart under SCIM load and a bridge sync: no process dies, 503 + Retry-After meanwhile, nothing acknowledged is lost', async () => {
  const org = await adminApi('POST', '/organizations', { name: 'faults' })
  const conf = await adminApi('POST', `/organizations/${org.body.id}/scim-configuration`)
  const scim = `${base}/api/connect/v1/scim/2.0`
  const headers = { authorization: `Bearer ${conf.body.token}`, 'content-type': 'application/scim+json' }
  const bridge = await adminApi('POST', `/organizations/${org.body.id}/bridges`, { provider: 'microsoft-entra', settings: graph.settings() })
  expect(bridge.status).toBe(201)
  const servePid = serve.pid
  const workerPid = worker.pid

  const outcomes: Outcome[] = []
  const ready: { at: number; status: number; postgres?: string }[] = []
  let running = true
  const client = async (n: number) => {
    for (let i = 0; running; i++) {
      const userName = `load-${n}-${i}@faults.example`
      let t = Date.now()
      const w = await fetch(`${scim}/Users`, { method: 'POST', headers, body: JSON.stringify({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName }) })
      outcomes.push({ op: 'write', status: w.status, retryAfter: w.headers.get('retry-after'), at: Date.now(), ms: Date.now() - t, userName, body: w.status >= 500 ? await w.json() : await w.text() })
      t = Date.now()
      const r = await fetch(`${scim}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers })
      outcomes.push({ op: 'read', status: r.status, retryAfter: r.headers.get('retry-after'), at: Date.now(), ms: Date.now() - t, userName, body: await r.json() })
      if (w.status === 503 || r.status === 503) await Bun.sleep(100)
    }
  }
  const adminClient = async () => {
    while (running) {
      const t = Date.now()
      const a = await fetch(`${base}/api/admin/v1/organizations/${org.body.id}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
      outcomes.push({ op: 'admin', status: a.status, retryAfter: a.headers.get('retry-after'), at: Date.now(), ms: Date.now() - t, userName: '', body: await a.json() })
      await Bun.sleep(a.status === 503 ? 100 : 20)
    }
  }
  const probe = async () => {
    while (running) {
      const r = await fetch(`${base}/readyz`)
      const body = (await r.json()) as { checks: { postgres: string } }
      ready.push({ at: Date.now(), status: r.status, postgres: body.checks.postgres })
      await Bun.sleep(100)
    }
  }
  const load = [...Array.from({ length: CLIENTS }, (_, n) => client(n)), adminClient(), probe()]

  // Restart once the load runs and the sync is a few pages in.
  await eventually(async () => graph.count('/v1.0/users'), (n) => n >= 3, 'the sync to be a few pages in', 30_000)
  await Bun.sleep(500)
  const down = Date.now()
  await pg.restart(1000)
  const up = Date.now()
  await Bun.sleep(6000)
  running = false
  await Promise.all(load)

  // Both processes lived through it.
  expect({ serve: serve.exitCode, worker: worker.exitCode }).toEqual({ serve: null, worker: null })
  expect({ serve: serve.pid, worker: worker.pid }).toEqual({ serve: servePid, worker: workerPid })
  expect(logs.filter((l) => l.includes('"fatal'))).toEqual([])

  // Only 2xx and 503 with Retry-After, in the SCIM error schema; some 503s (the outage was real).
  expect(outcomes.filter((o) => ![200, 201, 503].includes(o.status)).slice(0, 3)).toEqual([])
  const unavailable = outcomes.filter((o) => o.status === 503)
  expect(unavailable.length).toBeGreaterThan(0)
  for (const o of unavailable) {
    expect(o.retryAfter).toBe('5')
    if (o.op === 'admin') expect(o.body.error.code).toBeOneOf(['database_unavailable', 'busy'])
    else expect(o.body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '503' })
  }
  // /readyz: 503 naming Postgres during the outage, ready again after it.
  expect(ready.some((r) => r.status === 503 && r.postgres?.startsWith('unreachable'))).toBe(true)
  expect(ready.at(-1)!.status).toBe(200)
  // Writes succeed again within 5 s of the restart.
  const firstWriteAfter = outcomes.find((o) => o.op === 'write' && o.status === 201 && o.at > up)
  expect(firstWriteAfter).toBeDefined()
  expect(firstWriteAfter!.at - up).toBeLessThan(5000)
  const during = outcomes.filter((o) => o.at >= down && o.at - o.ms <= up)
  console.log(`restart: down ${up - down} ms; ${unavailable.length} of ${outcomes.length} requests answered 503 (${during.length} overlapped the outage, the slowest answered in ${Math.max(...during.map((o) => o.ms))} ms); first write ${firstWriteAfter!.at - up} ms after the restart`)

  // Every acknowledged write is there, once, with its audit event.
  const created = outcomes.filter((o) => o.op === 'write' && o.status === 201).map((o) => o.userName)
  expect(created.length).toBeGreaterThan(0)
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} })
  try {
    const rows = await sql<{ userName: string; n: number }[]>`
      select user_name as "userName", count(*)::int as n from users where organization_id = ${org.body.id} and user_name = any(${created}) group by user_name`
    expect(rows.length).toBe(created.length)
    expect(rows.every((r) => r.n === 1)).toBe(true)
    await eventually(
      async () => (await sql<{ n: number }[]>`
        select count(distinct user_name)::int as n from scim_events
        where organization_id = ${org.body.id} and source = 'scim' and method = 'POST' and status = 201 and user_name = any(${created})`)[0]!.n,
      (n) => n === created.length, 'every acknowledged write to have its audit event', 15_000)

    // The sync attempt the restart broke failed cleanly and was retried: the bridge converges, every run closed.
    await eventually(() => adminApi('GET', `/bridges/${bridge.body.id}`).then((r) => r.body.state), (s) => s === 'active', 'the bridge to converge', 60_000)
    const runs = (await adminApi('GET', `/bridges/${bridge.body.id}/runs`)).body.items as { outcome: string; finishedAt: string | null; error: string | null }[]
    expect(runs.every((r) => r.finishedAt !== null)).toBe(true)
    expect(runs[0]!.outcome).toBe('succeeded')
    expect(runs.some((r) => r.outcome === 'failed')).toBe(true)
    const [bridged] = await sql<{ n: number }[]>`select count(*)::int as n from users where organization_id = ${org.body.id} and source = 'bridge'`
    expect(bridged!.n).toBe(USERS)
  } finally {
    await sql.end()
  }
}, 120_000)
