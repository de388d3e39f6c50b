// `bun run bench:bridge` (issue 4, "Benchmark"; not a timed test): a fake Microsoft Graph
// of 100,000 users (pages of 999) synced by a real worker process through a real Temporal:
// the initial sync (time, the worker's peak RSS), a re-sync of the unchanged directory
// (rows written must be 0), a re-sync with 1% changed (rows written must equal the
// changes); then a baseline: the same 100,000 rows in one COPY through the same driver.
// DATABASE_URL / TEMPORAL_ADDRESS are used when set; otherwise local services are started.
// BENCH_DATABASE names the (dropped and recreated) database, so concurrent runs keep apart.
import { readFileSync } from 'node:fs'
import { FakeGraph, graphUser } from '../test/fixtures/fake-graph'
import { ROOT } from '../dev/services'
import { loadAverage, machine } from './machine'
import { startStack } from './stack'

const USERS = Number(process.env.BENCH_USERS ?? 100_000)
const CHANGED = Math.round(USERS / 100)
// BENCH_GROUPS=0 syncs users only (what bench:events compares against an older checkout).
const GROUPS = Number(process.env.BENCH_GROUPS ?? 5_000)
const PER_GROUP = 100
const MEMBERSHIPS = GROUPS * Math.min(PER_GROUP, USERS)
const stack = await startStack(process.env.BENCH_DATABASE ?? 'scim_bridge_bench')
const { sql, api } = stack
const graph = new FakeGraph().populate(USERS).populateGroups(GROUPS, PER_GROUP)
const worker = Bun.spawn(['bun', 'server/main.ts', 'worker'], { cwd: ROOT, env: { ...process.env, ...stack.env }, stdout: 'ignore', stderr: 'inherit' })

type Run = {
  id: string; outcome: string; startedAt: string; finishedAt: string | null; created: number; updated: number; deactivated: number; error: string | null
  groupsCreated: number; groupsUpdated: number; groupsDeleted: number; membershipsAdded: number; membershipsRemoved: number
}

/** Waits for the bridge's run number `n` (1-based) to finish; returns it with the rows it wrote. */
async function finishedRun(bridgeId: string, orgId: string, n: number) {
  for (;;) {
    const { items: runs } = await api<{ items: Run[] }>('GET', `/bridges/${bridgeId}/runs?limit=200`)
    const run = runs.length >= n ? runs[runs.length - n] : undefined
    if (run && run.outcome !== 'running') {
      if (run.outcome !== 'succeeded') throw new Error(`sync ${n} ${run.outcome}: ${run.error}`)
      // Every write sets updated_at = now() of the sync's transaction, which began after the run row.
      const [count] = await sql<{ written: number }[]>`
        select count(*)::int as written from users where organization_id = ${orgId} and updated_at >= ${run.startedAt}`
      const groupRows = run.groupsCreated + run.groupsUpdated + run.groupsDeleted + run.membershipsAdded + run.membershipsRemoved
      return { run, seconds: (Date.parse(run.finishedAt!) - Date.parse(run.startedAt)) / 1000, written: count!.written, groupRows }
    }
    await Bun.sleep(200)
  }
}

/** The worker's peak resident set (Linux VmHWM), in MB. */
function peakRssMb(): number | null {
  try {
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${worker.pid}/status`, 'utf8'))?.[1]
    return kb ? Math.round(Number(kb) / 1024) : null
  } catch {
    return null
  }
}

async function baselineCopySeconds(): Promise<number> {
  const { id: orgId } = await api('POST', '/organizations', { name: 'baseline' })
  const started = performance.now()
  const copy = await sql`copy users (organization_id, external_id, user_name, email, emails, name_given_name, name_family_name, display_name, title, department, employee_number, source) from stdin`.writable()
  const tsv = (v: string | null) => (v === null ? '\\N' : v.replace(/[\\\t\n]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n' })[c]!))
  for (let i = 1; i <= USERS; i++) {
    const u = graphUser(i)
    const email = u.mail!.toLowerCase()
    const line = [orgId, u.id, u.userPrincipalName, email, JSON.stringify([{ value: email, type: 'work', primary: true }]), u.givenName, u.surname, u.displayName, u.jobTitle, u.department, u.employeeId, 'manual']
    if (!copy.write(line.map(tsv).join('\t') + '\n')) await new Promise((resolve) => copy.once('drain', resolve))
  }
  await new Promise<void>((resolve, reject) => copy.end((err?: Error | null) => (err ? reject(err) : resolve())))
  return (performance.now() - started) / 1000
}

/** The sync's memberships as one COPY into group_members, for groups of the same size in a fresh organization's copy of the synced users. */
async function baselineMembershipsSeconds(syncedOrg: string): Promise<number> {
  const { id: orgId } = await api('POST', '/organizations', { name: 'baseline-groups' })
  await sql`insert into users (organization_id, user_name, source) select ${orgId}, user_name, 'manual' from users where organization_id = ${syncedOrg}`
  await sql`insert into groups (organization_id, display_name) select ${orgId}, 'group ' || i from generate_series(1, ${GROUPS}) i`
  const groups = (await sql<{ id: string }[]>`select id from groups where organization_id = ${orgId} order by display_name`).map((r) => r.id)
  const users = (await sql<{ id: string }[]>`select id from users where organization_id = ${orgId} order by user_name`).map((r) => r.id)
  const started = performance.now()
  const copy = await sql`copy group_members (organization_id, group_id, user_id) from stdin`.writable()
  for (let g = 0; g < groups.length; g++) {
    let chunk = ''
    for (let k = 0; k < Math.min(PER_GROUP, users.length); k++) chunk += `${orgId}\t${groups[g]}\t${users[(g * PER_GROUP + k) % users.length]}\n`
    if (!copy.write(chunk)) await new Promise((resolve) => copy.once('drain', resolve))
  }
  await new Promise<void>((resolve, reject) => copy.end((err?: Error | null) => (err ? reject(err) : resolve())))
  return (performance.now() - started) / 1000
}

try {
  const loadAtStart = loadAverage()
  const { id: orgId } = await api('POST', '/organizations', { name: 'bench' })
  const bridge = await api('POST', `/organizations/${orgId}/bridges`, { provider: 'microsoft-entra', settings: graph.settings(), intervalSeconds: 86400, syncGroups: GROUPS > 0 })
  const initial = await finishedRun(bridge.id, orgId, 1)
  const rssAfterInitial = peakRssMb()

  await api('POST', `/bridges/${bridge.id}/sync`)
  const unchanged = await finishedRun(bridge.id, orgId, 2)

  for (let i = 1; i <= CHANGED; i++) graph.directory.update(graphUser(i * 100).id, { jobTitle: 'Changed' })
  await api('POST', `/bridges/${bridge.id}/sync`)
  const changed = await finishedRun(bridge.id, orgId, 3)
  const rss = peakRssMb()

  const baseline = await baselineCopySeconds()
  const membershipsBaseline = GROUPS > 0 ? await baselineMembershipsSeconds(orgId) : null
  const row = (name: string, r: typeof initial, expected: string) => `| ${name} | ${r.seconds.toFixed(1)} s | ${r.written} (${expected}) |`
  console.log(`\nBridge benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${await machine(sql)}.`)
  console.log(`${USERS} users, pages of 999; ${GROUPS} groups with ${MEMBERSHIPS} memberships; load average ${loadAtStart} at the start, ${loadAverage()} at the end.\n`)
  console.log('| step | time | rows written |\n| --- | --- | --- |')
  console.log(row('initial sync', initial, `${USERS} created`))
  console.log(row('re-sync, no change', unchanged, 'must be 0'))
  console.log(row(`re-sync, ${CHANGED} changed (1%)`, changed, `must be ${CHANGED}`))
  console.log(`| baseline: one COPY of ${USERS} rows | ${baseline.toFixed(1)} s | ${USERS} |`)
  if (membershipsBaseline !== null) {
    console.log(`| groups of the initial sync: groups created, memberships added | | ${initial.run.groupsCreated}, ${initial.run.membershipsAdded} (${GROUPS}, ${MEMBERSHIPS}) |`)
    console.log(`| group rows of the no-change re-sync | | ${unchanged.groupRows} (must be 0) |`)
    console.log(`| baseline: one COPY of ${MEMBERSHIPS} memberships | ${membershipsBaseline.toFixed(1)} s | ${MEMBERSHIPS} |`)
  }
  console.log(`\ninitial sync / baseline: ${(initial.seconds / baseline).toFixed(1)}x; worker peak RSS: ${rssAfterInitial ?? '?'} MB after the initial sync, ${rss ?? '?'} MB overall`)
  const groupsOk = GROUPS === 0 || (initial.run.groupsCreated === GROUPS && initial.run.membershipsAdded === MEMBERSHIPS && unchanged.groupRows === 0)
  const ok = unchanged.written === 0 && changed.written === CHANGED && initial.written === USERS && groupsOk
  console.log(`rows written: ${ok ? 'as required' : 'NOT as required'}; targets: initial < 60 s ${initial.seconds < 60 ? 'met' : 'MISSED'}, RSS < 300 MB ${rss !== null && rss < 300 ? 'met' : 'MISSED'}, no-change < 15 s ${unchanged.seconds < 15 ? 'met' : 'MISSED'}`)
  process.exitCode = ok ? 0 : 1
} finally {
  worker.kill('SIGTERM')
  await worker.exited
  graph.stop()
  await stack.stop()
}
