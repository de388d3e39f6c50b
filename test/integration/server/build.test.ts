// `bun run build` gives one binary that migrates, serves and runs the worker with no node_modules.
import { expect, test } from 'bun:test'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../../../dev/services'
import { connect } from '../../../server/db/client'
import { FakeScim } from '../../fixtures/fake-scim'
import { ADMIN_TOKEN } from '../../support'
import { eventually } from '../workflows/bridge/harness'

/** Not needed by `bun run build`: history, local clusters, caches (but the workflow bundle's) and old builds. */
const SKIP = new Set(['.git', '.data', '.cache', 'dist'])

/** Hard links make a copy of node_modules cheap; across file systems it is a real copy. */
function copyInto(from: string, dir: string): void {
  if (Bun.spawnSync(['cp', '-al', from, dir]).exitCode !== 0) expect(Bun.spawnSync(['cp', '-a', from, dir]).exitCode).toBe(0)
}

/**
 * Builds in a copy of the checkout, then deletes the copy: the paths baked into the binary
 * (its node_modules among them) lead nowhere, as on a machine that only has the binary.
 */
function buildDetached(into: string): string {
  const copy = mkdtempSync(join(tmpdir(), 'scim-bridge-checkout-'))
  try {
    for (const f of readdirSync(ROOT)) if (!SKIP.has(f)) copyInto(join(ROOT, f), copy)
    const bundles = join(ROOT, '.cache/workflow-bundle')
    if (existsSync(bundles)) {
      mkdirSync(join(copy, '.cache'))
      copyInto(bundles, join(copy, '.cache'))
    }
    const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: copy, stdout: 'pipe', stderr: 'pipe' })
    if (build.exitCode !== 0) throw new Error(`bun run build failed: ${build.stderr}`)
    const bin = join(into, 'scim-bridge')
    renameSync(join(copy, 'dist/scim-bridge'), bin)
    return bin
  } finally {
    rmSync(copy, { recursive: true, force: true })
  }
}

/** Starts `scim-bridge <cmd>` and waits for its log line `msg`; the log keeps draining so the pipe never fills. */
async function start(bin: string, cmd: string, msg: string, opts: { cwd: string; env: Record<string, string> }) {
  const proc = Bun.spawn([bin, cmd], { ...opts, stdout: 'ignore', stderr: 'pipe' })
  const p = { proc, log: '' }
  const drained = (async () => {
    for await (const chunk of proc.stderr) p.log += new TextDecoder().decode(chunk)
  })()
  await eventually(async () => p.log, (log) => log.includes(`"msg":"${msg}"`) || proc.exitCode !== null, `${cmd}: ${msg}`, 30_000)
  if (proc.exitCode !== null) throw new Error(`${cmd} exited ${proc.exitCode}: ${p.log}`)
  const stop = async () => {
    proc.kill('SIGTERM')
    const code = await proc.exited
    await drained
    return code
  }
  return { log: p.log, stop }
}

test('dist/scim-bridge, with no node_modules, migrates a fresh database, serves /readyz and the console, and its worker syncs a bridge', async () => {
  // Run from an empty folder: nothing on disk but the binary.
  const cwd = mkdtempSync(join(tmpdir(), 'scim-bridge-bin-'))
  const base = new URL(process.env.DATABASE_URL!)
  const name = `binary_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
  const root = connect(base.toString(), 1)
  await root`create database ${root(name)}`
  base.pathname = `/${name}`
  const fake = new FakeScim().populate(3)
  // No PATH: the binary needs no other program (no bun, no node).
  const env = {
    HOME: cwd,
    DATABASE_URL: base.toString(),
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_TASK_QUEUE: `binary-${crypto.randomUUID()}`,
    PORT: '0',
    ADMIN_TOKEN,
    SECRETS_KEY: '11'.repeat(32),
    OUTBOUND_ALLOW_PRIVATE: 'true',
  }
  const running: { stop(): Promise<number | null> }[] = []
  try {
    const bin = buildDetached(cwd)
    const migrate = Bun.spawnSync([bin, 'migrate'], { cwd, env, stdout: 'pipe', stderr: 'pipe' })
    expect(migrate.stdout.toString()).toBe('schema is up to date\n')
    const db = connect(base.toString(), 1)
    const [row] = await db`select count(*)::int as n from schema_migrations`
    await db.end()
    expect(row!.n).toBeGreaterThanOrEqual(4)

    const serve = await start(bin, 'serve', 'listening', { cwd, env })
    running.push(serve)
    const url = `http://127.0.0.1:${/"url":"http:\/\/[^:]+:(\d+)"/.exec(serve.log)![1]}`
    const ready = await fetch(`${url}/readyz`)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } })
    // The console is inside the binary: its page (any path below /console) and its bundled assets.
    for (const path of ['/console', '/console/orgs/x/bridges']) {
      const html = await (await fetch(`${url}${path}`)).text()
      expect(html).toContain('<div id="app">')
      for (const asset of html.match(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g) ?? []) {
        const res = await fetch(`${url}${asset.split('"')[1]}`)
        expect(res.status).toBe(200)
        expect((await res.text()).length).toBeGreaterThan(100)
      }
      expect(html).toMatch(/src="\/[^"]+\.js"/)
    }

    // The worker: native Temporal core, the embedded workflow bundle on the SDK's workflow thread, the activities.
    const worker = await start(bin, 'worker', 'worker polling', { cwd, env })
    running.push(worker)
    const api = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${url}/api/admin/v1${path}`, {
        method,
        headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      return { status: res.status, body: (await res.json().catch(() => null)) as any }
    }
    const org = await api('POST', '/organizations', { name: `binary-${crypto.randomUUID().slice(0, 8)}` })
    expect(org.status).toBe(201)
    const created = await api('POST', `/organizations/${org.body.id}/bridges`, { provider: 'scim', settings: fake.settings() })
    expect(created.status).toBe(201)
    const bridge = await eventually(async () => (await api('GET', `/bridges/${created.body.id}`)).body, (b) => b.state === 'active' && b.lastSyncAt !== null, 'the first sync to complete', 60_000)
    expect(bridge).toMatchObject({ state: 'active', consecutiveFailures: 0, lastError: null, usersManaged: 3 })
    const users = await api('GET', `/organizations/${org.body.id}/users?bridgeId=${created.body.id}`)
    expect(users.body.items.map((u: { userName: string }) => u.userName).sort()).toEqual(['user1@example.com', 'user2@example.com', 'user3@example.com'])
    // Its workflow stops with it: nothing is left waiting on this test's task queue.
    expect((await api('DELETE', `/bridges/${created.body.id}`)).status).toBe(204)

    for (const p of running.splice(0).reverse()) expect(await p.stop()).toBe(0)

    // `dev` starts local services from a checkout: the binary says so.
    const dev = Bun.spawnSync([bin, 'dev'], { cwd, env, stdout: 'pipe', stderr: 'pipe' })
    expect(dev.exitCode).toBe(1)
    expect(dev.stderr.toString()).toContain('the compiled binary runs `serve`, `worker` and `migrate`')
  } finally {
    for (const p of running) await p.stop()
    fake.stop()
    await root`drop database ${root(name)} with (force)`
    await root.end()
    rmSync(cwd, { recursive: true, force: true })
  }
}, 180_000)
