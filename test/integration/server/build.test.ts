// `bun run build` gives one binary that migrates and serves with no node_modules.
import { expect, test } from 'bun:test'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../../../dev/services'
import { connect } from '../../../server/db/client'


test('dist/scim-bridge migrates a fresh database, serves /readyz and the console', async () => {
  const build = Bun.spawnSync(['bun', 'run', 'build'], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  expect(build.exitCode).toBe(0)

  const base = new URL(process.env.DATABASE_URL!)
  const name = `binary_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
  const root = connect(base.toString(), 1)
  await root`create database ${root(name)}`
  base.pathname = `/${name}`
  // Run from an empty folder: nothing on disk but the binary.
  const cwd = mkdtempSync(join(tmpdir(), 'scim-bridge-bin-'))
  const env = { PATH: process.env.PATH!, DATABASE_URL: base.toString(), TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!, PORT: '0' }
  const bin = join(ROOT, 'dist/scim-bridge')
  try {
    const migrate = Bun.spawnSync([bin, 'migrate'], { cwd, env, stdout: 'pipe', stderr: 'pipe' })
    expect(migrate.stdout.toString()).toBe('schema is up to date\n')
    const db = connect(base.toString(), 1)
    const [row] = await db`select count(*)::int as n from schema_migrations`
    await db.end()
    expect(row!.n).toBeGreaterThanOrEqual(4)

    const serve = Bun.spawn([bin, 'serve'], { cwd, env, stdout: 'pipe', stderr: 'pipe' })
    const reader = serve.stderr.getReader()
    let log = ''
    while (!log.includes('"msg":"listening"')) log += new TextDecoder().decode((await reader.read()).value)
    const port = /"url":"http:\/\/[^:]+:(\d+)"/.exec(log)![1]
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`)
    expect(await ready.json()).toEqual({ status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } })
    // The console is inside the binary: its page (any path below /console) and its bundled assets.
    for (const path of ['/console', '/console/orgs/x/bridges']) {
      const html = await (await fetch(`http://127.0.0.1:${port}${path}`)).text()
      expect(html).toContain('<div id="app">')
      for (const asset of html.match(/(?:src|href)="(\/[^"]+\.(?:js|css))"/g) ?? []) {
        const res = await fetch(`http://127.0.0.1:${port}${asset.split('"')[1]}`)
        expect(res.status).toBe(200)
        expect((await res.text()).length).toBeGreaterThan(100)
      }
      expect(html).toMatch(/src="\/[^"]+\.js"/)
    }
    serve.kill('SIGTERM')
    expect(await serve.exited).toBe(0)

    const worker = Bun.spawnSync([bin, 'worker'], { cwd, env, stdout: 'pipe', stderr: 'pipe' })
    expect(worker.exitCode).toBe(1)
    expect(worker.stderr.toString()).toContain('the compiled binary runs `serve` and `migrate` only')
  } finally {
    await root`drop database ${root(name)} with (force)`
    await root.end()
  }
}, 120_000)
