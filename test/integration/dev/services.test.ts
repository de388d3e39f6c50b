// The Docker-free services `bun run dev` falls back to.
import { expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import postgres from 'postgres'
import { freePort, portIsFree, startPglite, startPostgres } from '../../../dev/services'
import { connect } from '../../../server/db/client'
import { migrate } from '../../../server/db/migrate'

test('with no PostgreSQL installed, an embedded PGlite runs our migrations and queries', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pglite-'))
  const pg = await startPglite('scim_bridge', dir)
  const sql = connect(pg.url, 1)
  try {
    expect((await migrate(sql)).length).toBeGreaterThanOrEqual(4)
    const [org] = await sql`insert into organizations (name) values ('embedded') returning id`
    const [user] = await sql`insert into users (organization_id, user_name) values (${org!.id}, 'Ada@Example.com') returning id`
    expect(user!.id).toMatch(/^[0-9a-f-]{36}$/)
    // The case-insensitive unique index works there too.
    await expect(sql`insert into users (organization_id, user_name) values (${org!.id}, 'ada@example.com')`).rejects.toThrow('duplicate key')
  } finally {
    await sql.end()
    await pg.stop()
    rmSync(dir, { recursive: true, force: true })
  }
}, 60_000)

test('freePort gives a loopback port nobody listens on', async () => {
  const port = await freePort()
  expect(await portIsFree(port)).toBe(true)
  const server = Bun.serve({ port, hostname: '127.0.0.1', fetch: () => new Response('x') })
  expect(await portIsFree(port)).toBe(false)
  server.stop(true)
})

test('a local cluster shared by several users stops with the last of them; one started by hand is left running', async () => {
  const parent = mkdtempSync(join(tmpdir(), 'pg-shared-'))
  chmodSync(parent, 0o755) // the postgres user must reach the data directory
  const dataDir = join(parent, 'postgres')
  const saved = process.env.DATABASE_URL
  delete process.env.DATABASE_URL // else startPostgres hands that out
  const answers = async (url: string) => {
    const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 })
    try {
      return (await sql`select 1 as one`)[0]?.one === 1
    } catch {
      return false
    } finally {
      await sql.end({ timeout: 1 })
    }
  }
  const postmaster = () => Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  try {
    const first = await startPostgres({ dataDir, database: 'first', fast: true })
    const second = await startPostgres({ dataDir, database: 'second', fast: true })
    expect(new URL(second.url).port).toBe(new URL(first.url).port)
    await first.stop() // it started the cluster, but the second still uses it
    expect(await answers(second.url)).toBe(true)
    await second.stop() // the last user: the cluster goes
    expect(await answers(second.url)).toBe(false)
    expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false)

    // Without the mark of our tooling (as for a cluster started by hand), nobody stops it.
    const third = await startPostgres({ dataDir, database: 'third', fast: true })
    rmSync(join(`${dataDir}.users`, 'started'))
    await third.stop()
    expect(await answers(third.url)).toBe(true)
    process.kill(postmaster(), 'SIGINT')
    for (let i = 0; i < 100 && existsSync(join(dataDir, 'postmaster.pid')); i++) await Bun.sleep(100)
  } finally {
    if (saved !== undefined) process.env.DATABASE_URL = saved
    rmSync(parent, { recursive: true, force: true })
  }
}, 120_000)

test('with DATABASE_URL set, dev uses that database, and a throwaway (tests, benchmarks) gets its own on the same server', async () => {
  const given = process.env.DATABASE_URL!
  expect((await startPostgres({ database: 'ignored' })).url).toBe(given)
  const name = `throwaway_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
  const pg = await startPostgres({ database: name, fresh: true, dropOnStop: true })
  const own = new URL(pg.url)
  expect(own.pathname).toBe(`/${name}`)
  expect(own.host).toBe(new URL(given).host)
  const sql = postgres(pg.url, { max: 1, onnotice: () => {} })
  const [row] = await sql<{ tables: number }[]>`select count(*)::int as tables from information_schema.tables where table_schema = 'public'`
  expect(row!.tables).toBe(0) // empty: not the database DATABASE_URL names
  await sql.end()
  await pg.stop()
  const root = postgres(given, { max: 1, onnotice: () => {} })
  expect(await root`select 1 from pg_database where datname = ${name}`).toHaveLength(0)
  await root.end()
})
