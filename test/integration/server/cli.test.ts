// The CLI's bad-input contract: one clear line and a non-zero exit, never a stack trace.
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ROOT } from '../../../dev/services'
import { migratedSql } from '../../support'

const MAIN = join(ROOT, 'server/main.ts')

function cli(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !['DATABASE_URL', 'TEMPORAL_ADDRESS', 'ADMIN_TOKEN'].includes(k)))
  const r = Bun.spawnSync(['bun', MAIN, ...args], { env: { ...clean, ...env } as Record<string, string>, stdout: 'pipe', stderr: 'pipe' })
  return { code: r.exitCode, out: r.stdout.toString(), err: r.stderr.toString().trim() }
}

describe('CLI', () => {
  test('no command prints usage and exits 2', () => {
    const r = cli([])
    expect(r.code).toBe(2)
    expect(r.err).toContain('usage: scim-bridge <command>')
  })

  test('an unknown command names it and prints usage', () => {
    const r = cli(['frobnicate'])
    expect(r.code).toBe(2)
    expect(r.err).toStartWith('unknown command: frobnicate')
    expect(r.err).toContain('serve')
  })

  test('--help exits 0', () => {
    expect(cli(['--help']).code).toBe(0)
  })

  test('a bad config value is one line naming the variable', () => {
    const r = cli(['serve'], { PORT: 'abc', DATABASE_URL: 'postgres://x@127.0.0.1:1/db' })
    expect(r.code).toBe(1)
    expect(r.err).toBe('scim-bridge: config: PORT must be an integer between 0 and 65535 (got "abc")')
  })

  test('missing DATABASE_URL says what to set', () => {
    const r = cli(['migrate'])
    expect(r.code).toBe(1)
    expect(r.err.split('\n')).toHaveLength(1)
    expect(r.err).toContain('DATABASE_URL is not set')
  })

  test('unreachable Postgres is one line that names the server, with the password hidden', () => {
    const r = cli(['migrate'], { DATABASE_URL: 'postgres://me:hunter2@127.0.0.1:1/db' })
    expect(r.code).toBe(1)
    expect(r.err.split('\n')).toHaveLength(1)
    expect(r.err).toContain('postgres: cannot connect to postgres://me:***@127.0.0.1:1/db')
    expect(r.err).not.toContain('hunter2')
  })

  test('unreachable Temporal is one line that names the address', () => {
    const r = cli(['serve'], { DATABASE_URL: process.env.DATABASE_URL!, TEMPORAL_ADDRESS: '127.0.0.1:1', PORT: '0' })
    expect(r.code).toBe(1)
    expect(r.err.split('\n').filter((l) => !l.startsWith('{'))).toEqual([expect.stringContaining('temporal: cannot reach 127.0.0.1:1')])
  }, 30_000)

  test('migrate applies the schema and is idempotent', () => {
    const env = { DATABASE_URL: process.env.DATABASE_URL! }
    expect(cli(['migrate'], env)).toMatchObject({ code: 0, out: 'schema is up to date\n' })
    expect(cli(['migrate'], env).code).toBe(0)
  })
})

describe('SIGTERM', () => {
  const env = () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'ADMIN_TOKEN'))
    return { ...clean, PORT: '0', TEMPORAL_TASK_QUEUE: `sigterm-${crypto.randomUUID()}` } as Record<string, string>
  }

  async function waitFor(stream: ReadableStream<Uint8Array>, text: string) {
    const reader = stream.getReader()
    let buf = ''
    while (!buf.includes(text)) {
      const { value, done } = await reader.read()
      if (done) throw new Error(`stream ended before "${text}": ${buf}`)
      buf += new TextDecoder().decode(value)
    }
    reader.releaseLock()
    return buf
  }

  test('serve finishes an in-flight request after SIGTERM, then exits 0', async () => {
    const token = 'sigterm-admin-token-0123456789'
    const proc = Bun.spawn(['bun', MAIN, 'serve'], { env: { ...env(), ADMIN_TOKEN: token }, stderr: 'pipe', stdout: 'pipe' })
    const started = await waitFor(proc.stderr, '"msg":"listening"')
    const port = Number(/"url":"http:\/\/[^:]+:(\d+)"/.exec(started)![1])
    // A request whose body is still arriving when the signal lands is in flight for sure.
    let send!: (s: string | null) => void
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        send = (s) => (s === null ? controller.close() : controller.enqueue(new TextEncoder().encode(s)))
      },
    })
    const inFlight = fetch(`http://127.0.0.1:${port}/api/admin/v1/organizations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    })
    send('{"name":')
    await Bun.sleep(300)
    proc.kill('SIGTERM')
    await waitFor(proc.stderr, '"msg":"shutting down"') // the signal has landed
    send('"drained"}')
    send(null)
    const res = await inFlight
    expect(res.status).toBe(201)
    expect(((await res.json()) as { name: string }).name).toBe('drained')
    expect(await proc.exited).toBe(0)
  }, 30_000)

  test('serve writes the read audit events still buffered before it exits', async () => {
    const token = 'sigterm-admin-token-0123456789'
    const proc = Bun.spawn(['bun', MAIN, 'serve'], { env: { ...env(), ADMIN_TOKEN: token }, stderr: 'pipe', stdout: 'pipe' })
    const started = await waitFor(proc.stderr, '"msg":"listening"')
    const base = `http://127.0.0.1:${Number(/"url":"http:\/\/[^:]+:(\d+)"/.exec(started)![1])}`
    const post = (path: string, body?: unknown) =>
      fetch(`${base}/api/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) })
        .then((r) => r.json() as Promise<Record<string, string>>)
    const org = await post('/organizations', { name: 'sigterm-audit' })
    const conf = await post(`/organizations/${org.id}/scim-configuration`)
    // Reads are audited through the in-memory buffer (flushed every 200 ms): signal at once.
    const reads = await Promise.all(Array.from({ length: 5 }, () => fetch(`${base}/api/connect/v1/scim/2.0/Users`, { headers: { authorization: `Bearer ${conf.token}` } })))
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200, 200])
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
    const sql = await migratedSql()
    const [row] = await sql<{ n: number }[]>`select count(*)::int as n from scim_events where organization_id = ${org.id!} and method = 'GET'`
    expect(row!.n).toBe(5)
  }, 30_000)

  test('worker shuts down cleanly and exits 0', async () => {
    const proc = Bun.spawn(['bun', MAIN, 'worker'], { env: env(), stderr: 'pipe', stdout: 'pipe' })
    await waitFor(proc.stderr, '"msg":"worker polling"')
    proc.kill('SIGTERM')
    expect(await proc.exited).toBe(0)
  }, 30_000)
})
