// The CLI's bad-input contract: one clear line and a non-zero exit, never a stack trace.
import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'

const MAIN = join(import.meta.dir, '../../../server/main.ts')

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
