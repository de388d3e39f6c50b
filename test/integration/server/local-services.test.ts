// The Docker-free services `bun run dev` falls back to.
import { expect, test } from 'bun:test'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, portIsFree, startPglite } from '../../../dev/services'
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
