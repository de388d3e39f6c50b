// `bun run bench:scim` (issue 3, "Benchmark"; not a timed test). Seeds one organization
// with 100,000 users and 10 others with 10,000 each, then loads the real server
// (`bun server/main.ts serve`, its own process) and a bare Bun.serve baseline that runs
// the very statement our store sends through the same driver (bench/baseline.ts), one
// after the other, with autocannon at 32 connections from a third process (bench/load.ts).
// BENCH_SECONDS (default 10) sets each run's length; BENCH_DATABASE the database;
// BENCH_ONLY=get,filter runs only those scenarios; BENCH_PROFILE=<dir> writes the
// server's CPU profile (markdown, bun --cpu-prof-md) there when it stops.
import { rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect } from '../server/db/client'
import { ROOT, freePort, startPostgres, startTemporal } from '../dev/services'
import type { LoadResult, LoadSpec, Scenario } from './load'
import { loadAverage, machine } from './machine'
import { positionAt, sampleIds, seedUsers, userNameOf } from './seed'

const USERS = 100_000
const OTHER_ORGS = 10
const OTHER_USERS = 10_000
const CONNECTIONS = 32
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const WARMUP_SECONDS = 2
const DEEP = 90_001
const SCIM = '/api/connect/v1/scim/2.0'
const ADMIN_TOKEN = `bench-${crypto.randomUUID()}`

const ALL_SCENARIOS: { scenario: Scenario; label: string; read: boolean }[] = [
  { scenario: 'filter', label: 'GET /Users?filter=userName eq "…"', read: true },
  { scenario: 'get', label: 'GET /Users/{id}', read: true },
  { scenario: 'page', label: `GET /Users?startIndex=${DEEP}&count=100`, read: true },
  { scenario: 'cursor', label: `GET /Users?cursor=…&count=100 (row ${DEEP})`, read: true },
  { scenario: 'valuePath', label: 'GET /Users?filter=emails[type eq "work" and value eq "…"]', read: true },
  { scenario: 'post', label: 'POST /Users', read: false },
  { scenario: 'patch', label: 'PATCH /Users/{id} (replace title)', read: false },
]
const ONLY = process.env.BENCH_ONLY?.split(',')
const SCENARIOS = ALL_SCENARIOS.filter((s) => !ONLY || ONLY.includes(s.scenario))
const PROFILE = process.env.BENCH_PROFILE ? ['--cpu-prof-md', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []

const started = Date.now()
const pg = await startPostgres({ database: process.env.BENCH_DATABASE ?? 'scim_bridge_bench', fast: true, fresh: true })
const temporal = await startTemporal({ dbFile: null })
const sql = connect(pg.url, 2)
const children: Bun.Subprocess[] = []
const specFile = join(tmpdir(), `scim-bench-${process.pid}.json`)

/**
 * Starts a Bun process and waits until `ready` answers. Both servers run as in production
 * (the Dockerfile sets NODE_ENV=production); without it Bun.serve runs in development mode,
 * which cost ~8% more server CPU per request when measured.
 */
async function spawn(argv: string[], env: Record<string, string>, ready: string): Promise<void> {
  const proc = Bun.spawn(argv, { cwd: ROOT, env: { ...process.env, NODE_ENV: 'production', ...env }, stdout: 'ignore', stderr: 'inherit' })
  children.push(proc)
  for (const deadline = Date.now() + 60_000; Date.now() < deadline; await Bun.sleep(100)) {
    if (proc.exitCode !== null) throw new Error(`${argv.join(' ')} exited with ${proc.exitCode}`)
    if (await fetch(ready).then((r) => r.status < 500, () => false)) return
  }
  throw new Error(`${argv.join(' ')} did not answer ${ready} within 60 s`)
}

async function call<T>(origin: string, token: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  })
  const json = (await res.json()) as T
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/**
 * Waits until the database has no query running: a slow endpoint leaves requests queued
 * in the server after the load stops, which would otherwise weigh on the next run.
 */
async function drain(): Promise<void> {
  for (const deadline = Date.now() + 120_000; Date.now() < deadline; await Bun.sleep(100)) {
    const [row] = await sql<{ n: number }[]>`
      select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state = 'active' and pid <> pg_backend_pid()`
    if (row?.n === 0) return
  }
}

/** One autocannon run in a child process (bench/load.ts). */
async function load(spec: LoadSpec): Promise<LoadResult> {
  writeFileSync(specFile, JSON.stringify(spec))
  const proc = Bun.spawn(['bun', join(ROOT, 'bench/load.ts'), specFile], { cwd: ROOT, stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(proc.stdout).text()
  if ((await proc.exited) !== 0) throw new Error(`bench/load.ts ${spec.scenario} failed`)
  return JSON.parse(out.trim().split('\n').at(-1)!) as LoadResult
}


/**
 * Both servers find the same user by userName and by id; otherwise the comparison is void
 * (a statement left with its capture placeholder finds nothing, and fast).
 */
async function sameAnswers(ours: string, base: string, token: string, id: string): Promise<void> {
  const filter = `${SCIM}/Users?filter=${encodeURIComponent(`userName eq "${userNameOf('bench.user', 42)}"`)}`
  const got = [
    (await call<{ Resources: { id: string }[] }>(ours, token, 'GET', filter)).Resources.map((u) => u.id),
    (await call<{ Resources: { id: string }[] }>(base, token, 'GET', filter)).Resources.map((u) => u.id),
    [(await call<{ id: string }>(ours, token, 'GET', `${SCIM}/Users/${id}`)).id],
    [(await call<{ id: string }>(base, token, 'GET', `${SCIM}/Users/${id}`)).id],
  ]
  if (got[0]!.length !== 1 || got[0]![0] !== got[1]![0] || got[2]![0] !== id || got[3]![0] !== id) {
    throw new Error(`the baseline and our server disagree: ${JSON.stringify(got)}`)
  }
}

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

try {
  const ourPort = await freePort()
  const ours = `http://127.0.0.1:${ourPort}`
  await spawn(
    ['bun', ...PROFILE, 'server/main.ts', 'serve'],
    {
      PORT: String(ourPort), HOST: '127.0.0.1', PUBLIC_URL: ours, DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address,
      ADMIN_TOKEN, LOG_LEVEL: 'warn',
      // The default per-token limit (6,000 a minute) would answer most of the load with 429.
      SCIM_RATE_LIMIT_PER_MINUTE: '0',
    },
    `${ours}/healthz`,
  )

  // Organizations and SCIM tokens through the admin API; users by set-based SQL.
  const orgs: { id: string; token: string }[] = []
  for (let k = 0; k <= OTHER_ORGS; k++) {
    const org = await call<{ id: string }>(ours, ADMIN_TOKEN, 'POST', '/api/admin/v1/organizations', { name: k === 0 ? 'bench' : `other ${k}` })
    const conf = await call<{ token: string }>(ours, ADMIN_TOKEN, 'POST', `/api/admin/v1/organizations/${org.id}/scim-configuration`)
    orgs.push({ id: org.id, token: conf.token })
  }
  const main = orgs[0]!
  const seeding = performance.now()
  await seedUsers(sql, main.id, 'bench.user', USERS)
  for (let k = 1; k <= OTHER_ORGS; k++) await seedUsers(sql, orgs[k]!.id, `other${k}.user`, OTHER_USERS)
  // Index-only scans (the count, the startIndex skip) need the visibility map a live database's autovacuum keeps.
  await sql`vacuum analyze users`
  const seedSeconds = (performance.now() - seeding) / 1000
  const ids = await sampleIds(sql, main.id, 10_000)
  const before = await positionAt(sql, main.id, DEEP - 1)
  const host = await machine(sql)

  // Our cursor for row DEEP, as a client gets it: paging from the start, 1,000 at a time.
  let cursor = ''
  for (let seen = 0; seen < DEEP - 1; seen += 1000) {
    const page = await call<{ nextCursor: string }>(ours, main.token, 'GET', `${SCIM}/Users?count=1000&attributes=id&cursor=${encodeURIComponent(cursor)}`)
    cursor = page.nextCursor
  }

  const basePort = await freePort()
  const base = `http://127.0.0.1:${basePort}`
  await spawn(['bun', 'bench/baseline.ts'], { PORT: String(basePort), DATABASE_URL: pg.url, ORG_ID: main.id }, `${base}/`)
  await sameAnswers(ours, base, main.token, ids[0]!)

  const loadAtStart = loadAverage()
  console.error(`seeded ${USERS + OTHER_ORGS * OTHER_USERS} users in ${seedSeconds.toFixed(1)} s; load average ${loadAtStart}; running ${SCENARIOS.length} x 2 loads of ${SECONDS} s`)
  const rows: { label: string; read: boolean; ours: LoadResult; base: LoadResult }[] = []
  for (const { scenario, label, read } of SCENARIOS) {
    const run = async (target: 'ours' | 'base', seconds: number) => {
      const spec: LoadSpec = {
        origin: target === 'ours' ? ours : base, token: main.token, scenario, connections: CONNECTIONS, seconds,
        prefix: 'bench.user', users: USERS, ids, startIndex: DEEP,
        cursor: target === 'ours' ? cursor : `${before.key}|${before.id}`,
        tag: `posted-${target}-${crypto.randomUUID().slice(0, 8)}`,
      }
      await load({ ...spec, seconds: WARMUP_SECONDS, tag: `${spec.tag}-warm` })
      await drain()
      const result = await load(spec)
      await drain()
      return result
    }
    const o = await run('ours', SECONDS)
    const b = await run('base', SECONDS)
    rows.push({ label, read, ours: o, base: b })
    console.error(`${label}: ${fmt(o.rps)} req/s (p99 ${o.p99} ms) vs baseline ${fmt(b.rps)} req/s (p99 ${b.p99} ms)`)
  }
  const loadAtEnd = loadAverage()

  const lines = [
    `SCIM benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${host}.`,
    `${USERS.toLocaleString('en-US')} users in the benchmarked organization, ${OTHER_ORGS} others with ${OTHER_USERS.toLocaleString('en-US')} each; ` +
      `autocannon, ${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP_SECONDS} s of warm-up; load average ${loadAtStart} at the start, ${loadAtEnd} at the end.`,
    '',
    '| endpoint | req/s | p50 | p99 | baseline req/s | baseline p99 | ours / baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(({ label, ours: o, base: b }) => {
      const failed = [o.non2xx ? `${o.non2xx} non-2xx` : '', o.errors ? `${o.errors} errors/timeouts` : ''].filter(Boolean).join(', ')
      return `| \`${label}\` | ${fmt(o.rps)}${failed ? ` (${failed})` : ''} | ${o.p50} ms | ${o.p99} ms | ${fmt(b.rps)} | ${b.p99} ms | ${fmt(o.rps / b.rps, 2)} |`
    }),
  ]
  const filter = rows.find((r) => r.label.includes('userName eq'))
  const slowReads = rows.filter((r) => r.read && r.ours.rps < 0.5 * r.base.rps)
  const failures = rows.filter((r) => r.ours.non2xx + r.ours.errors > 0 || r.base.non2xx + r.base.errors > 0)
  lines.push(
    '',
    `Targets: every read >= 0.5 x baseline: ${slowReads.length === 0 ? 'met' : `MISSED (${slowReads.map((r) => r.label).join('; ')})`}; ` +
      (filter ? `userName eq p99 < 20 ms: ${filter.ours.p99 < 20 ? 'met' : 'MISSED'} (${filter.ours.p99} ms).` : ''),
  )
  if (failures.length) lines.push(`Non-2xx or failed requests in: ${failures.map((r) => r.label).join('; ')}.`)
  console.log(lines.join('\n'))
  console.error(`bench:scim finished in ${((Date.now() - started) / 1000).toFixed(0)} s`)
} finally {
  rmSync(specFile, { force: true })
  for (const c of children) c.kill('SIGTERM')
  await Promise.all(children.map((c) => c.exited))
  await sql.end()
  await temporal.stop()
  await pg.stop()
}
