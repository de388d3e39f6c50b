// `bun run bench:events` (issue 12, "Benchmark"; not a timed test). Three figures, each
// against a baseline in the same run:
// 1. event writes: `bench/bridge.ts` (a 100,000-user initial sync through a real worker)
//    at this checkout, and at EVENTS_BASELINE_REV, the last commit before change events,
//    exported into a temporary folder (same dependencies, linked): with events vs without;
// 2. the feed: 100,000 events paged with limit=1000 through the admin API, vs the same
//    statements sent through the driver;
// 3. delivery: 20,000 pending events to one loopback receiver by the webhook workflow, vs
//    a bare loop POSTing the same signed bodies to the same receiver; then the lag from
//    commit to receiver at 200 events/s.
import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { appendChanges } from '../server/events/outbox'
import { eventId, readFeed } from '../server/events/feed'
import { signedHeaders } from '../webhook/sign'
import { ROOT } from '../dev/services'
import { loadAverage, machine } from './machine'
import { startStack } from './stack'

const BASELINE_REV = process.env.EVENTS_BASELINE_REV ?? '4f7aed9'
const FEED_EVENTS = 100_000
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 20_000)
const LAG_RATE = 200
const LAG_SECONDS = 10
const ONLY = process.env.BENCH_ONLY?.split(',')
const wanted = (part: string) => !ONLY || ONLY.includes(part)

/** Runs bench/bridge.ts in `cwd` and returns its initial sync seconds and the worker's peak RSS. */
async function bridgeBench(cwd: string, database: string): Promise<{ seconds: number; rss: number }> {
  const proc = Bun.spawn(['bun', 'bench/bridge.ts'], { cwd, env: { ...process.env, BENCH_DATABASE: database, BENCH_GROUPS: '0' }, stdout: 'pipe', stderr: 'inherit' })
  const out = await new Response(proc.stdout).text()
  if ((await proc.exited) !== 0) throw new Error(`bench/bridge.ts in ${cwd} failed:\n${out}`)
  const seconds = Number(/\| initial sync \| ([\d.]+) s/.exec(out)?.[1])
  const rss = Number(/worker peak RSS: \d+ MB after the initial sync, (\d+) MB overall/.exec(out)?.[1])
  return { seconds, rss }
}

async function writeOverhead() {
  const dir = mkdtempSync(join(tmpdir(), 'scim-bridge-events-baseline-'))
  chmodSync(dir, 0o755) // its Postgres runs as the postgres user
  try {
    const archive = Bun.spawn(['git', 'archive', BASELINE_REV], { cwd: ROOT, stdout: 'pipe' })
    const untar = Bun.spawn(['tar', '-x', '-C', dir], { stdin: archive.stdout })
    if ((await untar.exited) !== 0 || (await archive.exited) !== 0) throw new Error(`cannot export ${BASELINE_REV}`)
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'))
    symlinkSync(join(ROOT, '.cache'), join(dir, '.cache'))
    const without = await bridgeBench(dir, 'scim_bridge_bench_baseline')
    const withEvents = await bridgeBench(ROOT, 'scim_bridge_bench_events')
    return { without, withEvents }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

const started = Date.now()
const loadAtStart = loadAverage()
const lines: string[] = []
const writes = wanted('writes') ? await writeOverhead() : undefined

const stack = await startStack(process.env.BENCH_DATABASE ?? 'scim_bridge_bench_feed')
const { sql, api } = stack

/** An organization with `n` user.created events, written as the outbox writes them (1,000 per transaction). */
async function orgWithEvents(name: string, n: number): Promise<string> {
  const { id } = await api<{ id: string }>('POST', '/organizations', { name })
  for (let i = 0; i < n; i += 1000) {
    const changes = Array.from({ length: Math.min(1000, n - i) }, (_, j) => {
      const k = i + j
      const userId = crypto.randomUUID()
      return { type: 'user.created' as const, userId, data: { id: userId, organizationId: id, userName: `user${k}@example.com`, active: true, emails: [{ value: `user${k}@example.com`, primary: true }], name: { givenName: 'Given', familyName: `Family${k}` }, source: 'scim' } }
    })
    await sql.begin((tx) => appendChanges(tx, id, { kind: 'scim', scimEventId: null }, changes))
  }
  return id
}

const worker = Bun.spawn(['bun', 'server/main.ts', 'worker'], { cwd: ROOT, env: { ...process.env, ...stack.env }, stdout: 'ignore', stderr: 'inherit' })
try {
  let feed: { ours: number; baseline: number } | undefined
  if (wanted('feed')) {
    const orgId = await orgWithEvents('feed', FEED_EVENTS)
    const page = async (read: (after: string | undefined) => Promise<{ items: unknown[]; nextCursor: string | null }>) => {
      const t0 = performance.now()
      let after: string | undefined
      let n = 0
      for (;;) {
        const p = await read(after)
        if (!p.items.length) break
        n += p.items.length
        after = p.nextCursor ?? undefined
      }
      if (n !== FEED_EVENTS) throw new Error(`read ${n} events, not ${FEED_EVENTS}`)
      return FEED_EVENTS / ((performance.now() - t0) / 1000)
    }
    const baseline = await page((after) => readFeed(sql, orgId, { ...(after ? { after } : {}), limit: 1000 }))
    const ours = await page((after) => api('GET', `/organizations/${orgId}/events?limit=1000${after ? `&after=${after}` : ''}`))
    feed = { ours, baseline }
  }

  let delivery: { ours: number; baseline: number; p50: number; p99: number } | undefined
  if (wanted('delivery')) {
    let received = 0
    const arrivals: number[] = []
    const receiver = Bun.serve({
      hostname: '127.0.0.1', port: 0,
      async fetch(req) {
        const event = JSON.parse(await req.text())
        received++
        if (event.occurredAt) arrivals.push(Date.now() - Date.parse(event.occurredAt))
        return new Response('ok')
      },
    })
    const url = `http://127.0.0.1:${receiver.port}/hook`
    const orgId = await orgWithEvents('delivery', DELIVERIES)

    // Baseline: the same signed bodies, one after the other, by a bare loop.
    const bodies = (await readFeed(sql, orgId, { limit: 1000 })).items.map((e) => [e.id, JSON.stringify(e)] as const)
    const secret = 'whsec_' + Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64')
    const b0 = performance.now()
    for (let i = 0; i < DELIVERIES; i++) {
      const [id, body] = bodies[i % bodies.length]!
      await fetch(url, { method: 'POST', headers: signedHeaders(secret, id, body), body }).then((r) => r.text())
    }
    const baseline = DELIVERIES / ((performance.now() - b0) / 1000)

    received = 0
    const endpoint = await api<{ id: string }>('POST', `/organizations/${orgId}/webhooks`, { url })
    const o0 = performance.now()
    await api('POST', `/webhooks/${endpoint.id}/replay`, { after: eventId(0) })
    while (received < DELIVERIES) await Bun.sleep(20)
    const ours = DELIVERIES / ((performance.now() - o0) / 1000)

    // Lag: 200 events a second for 10 s, one per transaction, each timed from its commit.
    arrivals.length = 0
    const lagOrg = (await api<{ id: string }>('POST', '/organizations', { name: 'lag' })).id
    await api('POST', `/organizations/${lagOrg}/webhooks`, { url })
    await Bun.sleep(1000) // the endpoint's workflow is up and waiting
    const total = LAG_RATE * LAG_SECONDS
    const l0 = performance.now()
    for (let i = 0; i < total; i++) {
      const due = l0 + (i * 1000) / LAG_RATE
      if (due > performance.now()) await Bun.sleep(due - performance.now())
      const userId = crypto.randomUUID()
      await sql.begin((tx) => appendChanges(tx, lagOrg, { kind: 'admin' }, [{ type: 'user.created', userId, data: { id: userId } }]))
    }
    while (arrivals.length < total) await Bun.sleep(20)
    arrivals.sort((a, b) => a - b)
    delivery = { ours, baseline, p50: arrivals[Math.floor(total * 0.5)]!, p99: arrivals[Math.floor(total * 0.99)]! }
    receiver.stop(true)
  }

  lines.push(`\nEvents benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC: ${await machine(sql)}.`)
  lines.push(`load average ${loadAtStart} at the start, ${loadAverage()} at the end; ${Math.round((Date.now() - started) / 1000)} s in all.\n`)
  lines.push('| what | ours | baseline | ratio | target |', '| --- | ---: | ---: | ---: | --- |')
  if (writes) {
    const ratio = writes.withEvents.seconds / writes.without.seconds
    lines.push(`| initial sync of 100,000 users (bench/bridge.ts), with events vs without (${BASELINE_REV}) | ${writes.withEvents.seconds.toFixed(1)} s, peak RSS ${writes.withEvents.rss} MB | ${writes.without.seconds.toFixed(1)} s, peak RSS ${writes.without.rss} MB | ${ratio.toFixed(2)} | <= 1.33, RSS < 300 MB: ${ratio <= 1.33 && writes.withEvents.rss < 300 ? 'met' : 'MISSED'} |`)
  }
  if (feed) lines.push(`| feed: ${FEED_EVENTS.toLocaleString('en')} events, limit=1000, admin API vs the driver | ${Math.round(feed.ours).toLocaleString('en')} events/s | ${Math.round(feed.baseline).toLocaleString('en')} events/s | ${(feed.ours / feed.baseline).toFixed(2)} | >= 50,000 events/s: ${feed.ours >= 50_000 ? 'met' : 'MISSED'} |`)
  if (delivery) {
    lines.push(`| delivery: ${DELIVERIES.toLocaleString('en')} events to one receiver, webhook workflow vs a bare loop | ${Math.round(delivery.ours).toLocaleString('en')} events/s | ${Math.round(delivery.baseline).toLocaleString('en')} events/s | ${(delivery.ours / delivery.baseline).toFixed(2)} | >= 0.5: ${delivery.ours / delivery.baseline >= 0.5 ? 'met' : 'MISSED'} |`)
    lines.push(`| lag, commit to receiver, at ${LAG_RATE} events/s for ${LAG_SECONDS} s | p50 ${delivery.p50} ms, p99 ${delivery.p99} ms | | | p99 < 1 s: ${delivery.p99 < 1000 ? 'met' : 'MISSED'} |`)
  }
  console.log(lines.join('\n'))
} finally {
  worker.kill('SIGTERM')
  await worker.exited
  await stack.stop()
}
