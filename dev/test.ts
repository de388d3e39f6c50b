// `bun run test`: install, typecheck, start a throwaway Postgres database and an
// in-memory Temporal dev server, run `bun test` against them, stop everything.
import { rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { ensureInstalled } from './bootstrap'
import { ensureChromium } from './chromium'
import { ROOT } from './services'

ensureInstalled()
const { dropOrphanDatabases, startPostgres, startTemporal } = await import('./services')

function run(argv: string[], env: Record<string, string> = {}): number {
  console.log(`$ ${argv.join(' ')}`)
  return Bun.spawnSync(argv, { cwd: ROOT, stdout: 'inherit', stderr: 'inherit', env: { ...process.env, ...env } }).exitCode ?? 1
}

const started = Date.now()
// The server and the console (browser code, DOM types) are two TypeScript projects.
if (run(['bun', 'x', 'tsc', '--noEmit', '-p', '.']) !== 0 || run(['bun', 'x', 'tsc', '--noEmit', '-p', 'console']) !== 0) {
  console.error('typecheck failed')
  process.exit(1)
}
const chromiumInstallMs = ensureChromium()

// One database per run, dropped at the end: two runs on one machine (two checkouts, or a
// helper's run beside yours) never drop each other's tables.
const prefix = 'scim_bridge_test_'
const pg = await startPostgres({ database: `${prefix}${process.pid}`, fast: true, fresh: true, dropOnStop: true })
if (pg.kind.startsWith('local cluster')) await dropOrphanDatabases(pg.url, prefix)
const temporal = await startTemporal({ dbFile: null })
console.log(`postgres: ${pg.kind}; temporal: ${temporal.address} (${temporal.kind})`)

let code = 1
try {
  // The fakes (IdPs, webhook receivers) listen on loopback.
  // Every log line of the suite, at every level, from every process it starts (server/log.ts).
  const LOG_CAPTURE_FILE = `${tmpdir()}/scim-bridge-test-logs-${process.pid}.jsonl`
  const env = { DATABASE_URL: pg.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_NAMESPACE: 'default', OUTBOUND_ALLOW_PRIVATE: 'true', LOG_CAPTURE_FILE }
  code = run(['bun', 'test', '--timeout', '60000', ...process.argv.slice(2)], env)
  // The outside checker runs on full runs only (not when a subset of files is named).
  if (code === 0 && process.argv.length <= 2) {
    const { runScimTester } = await import('./scim-check')
    console.log('$ scim2-tester against a live server')
    code = await runScimTester(env)
  }
  // Nothing secret in what the suite logged (dev/secret-scan.ts): kept for reading when it failed.
  const { scanLogFile } = await import('./secret-scan')
  if (await scanLogFile(LOG_CAPTURE_FILE)) rmSync(LOG_CAPTURE_FILE, { force: true })
  else code = code || 1
} finally {
  await temporal.stop()
  await pg.stop()
}
const chromium = chromiumInstallMs ? ` (installing chromium took ${(chromiumInstallMs / 1000).toFixed(1)} s of it)` : ''
console.log(`bun run test: ${code === 0 ? 'passed' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s${chromium}`)
process.exit(code)
