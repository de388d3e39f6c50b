// `bun run dev` stops what it started however it is told to stop: a signal to its own
// pid alone (a process supervisor, `kill <pid>`), not only Ctrl-C, which signals the
// terminal's whole process group. Checked by pid: its Postgres and its Temporal are gone.
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT, freePort } from '../../../dev/services'

const data = mkdtempSync(join(tmpdir(), 'scim-bridge-dev-'))
afterAll(() => rmSync(data, { recursive: true, force: true }))

const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

function childrenOf(pid: number): number[] {
  const out = Bun.spawnSync(['pgrep', '-P', String(pid)]).stdout.toString().trim()
  return out ? out.split('\n').map(Number) : []
}

// The last case cuts the grace period to 1 ms: its local services are still stopped.
test.each([['SIGTERM', ''], ['SIGINT', ''], ['SIGTERM', '1']] as const)('bun run dev signalled alone with %s (grace %p ms) leaves no Postgres or Temporal behind', async (signal, grace) => {
  // Its own local services: none of the suite's addresses, secrets or data folder.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_UI_URL', 'ADMIN_TOKEN', 'SECRETS_KEY'].includes(k)))
  const dev = Bun.spawn(['bun', 'run', 'dev'], {
    cwd: ROOT,
    env: { ...env, ...(grace ? { SHUTDOWN_GRACE_MS: grace } : {}), SCIM_BRIDGE_DATA: data, PORT: String(await freePort()), TEMPORAL_TASK_QUEUE: `dev-${crypto.randomUUID()}`, LOG_LEVEL: 'warn' },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  let out = ''
  const reader = (dev.stdout as ReadableStream<Uint8Array>).getReader()
  while (!out.includes('scim-bridge dev is up')) {
    const { value, done } = await reader.read()
    if (done) throw new Error(`dev ended before it was up: ${out}\n${await new Response(dev.stderr).text()}`)
    out += new TextDecoder().decode(value)
  }
  reader.releaseLock()
  const pidFile = join(data, 'postgres', 'postmaster.pid')
  expect(existsSync(pidFile)).toBe(true)
  const postgres = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
  const main = childrenOf(dev.pid).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('main.ts'))!
  const temporal = childrenOf(main).find((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('temporal'))!
  expect([postgres, main, temporal].every(alive)).toBe(true)

  dev.kill(signal) // this pid only, not its group
  expect(await dev.exited).toBe(0)
  for (let i = 0; i < 100 && [postgres, main, temporal].some(alive); i++) await Bun.sleep(100)
  expect({ postgres: alive(postgres), main: alive(main), temporal: alive(temporal) }).toEqual({ postgres: false, main: false, temporal: false })
}, 90_000)
