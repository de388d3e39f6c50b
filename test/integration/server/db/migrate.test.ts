import { expect, test } from 'bun:test'
import { connect } from '../../../../server/db/client'
import { migrate, migrationFiles } from '../../../../server/db/migrate'

/** A scratch database next to the test database, dropped at the end. */
async function scratch() {
  const base = new URL(process.env.DATABASE_URL!)
  const name = `migrate_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
  const root = connect(base.toString(), 1)
  await root`create database ${root(name)}`
  base.pathname = `/${name}`
  return {
    url: base.toString(),
    drop: async () => {
      await root`drop database ${root(name)} with (force)`
      await root.end()
    },
  }
}

test('migration files have unique, increasing numbers', async () => {
  const versions = (await migrationFiles()).map((m) => m.version)
  expect(versions[0]).toBe(1)
  expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b))
})

test('two processes migrating at once apply each migration exactly once', async () => {
  const db = await scratch()
  const a = connect(db.url, 2)
  const b = connect(db.url, 2)
  try {
    const [ra, rb] = await Promise.all([migrate(a), migrate(b)])
    const total = (await migrationFiles()).length
    expect(ra.length + rb.length).toBe(total)
    const rows = await a`select version from schema_migrations order by version`
    expect(rows.map((r) => r.version)).toEqual((await migrationFiles()).map((m) => m.version))
    expect(await migrate(a)).toEqual([]) // nothing left to apply
  } finally {
    await a.end()
    await b.end()
    await db.drop()
  }
})

test('a failing migration rolls back and names itself', async () => {
  const db = await scratch()
  const sql = connect(db.url, 1)
  try {
    const files = [...(await migrationFiles()), { version: 9999, name: 'broken', sql: 'create table ok_then (x int); select nope from nowhere;' }]
    await expect(migrate(sql, files)).rejects.toThrow('migration 9999_broken failed')
    const [t] = await sql`select to_regclass('ok_then') as t`
    expect(t!.t).toBeNull()
    const recorded = await sql<{ version: number }[]>`select version from schema_migrations order by version`
    expect(recorded.map((r) => r.version)).toEqual(files.slice(0, -1).map((m) => m.version))
  } finally {
    await sql.end()
    await db.drop()
  }
})

test('every tenant table carries organization_id and its indexes start with it', async () => {
  const sql = connect(process.env.DATABASE_URL!, 1)
  try {
    await migrate(sql)
    const tables = ['scim_configurations', 'users', 'groups', 'group_members', 'scim_events', 'bridges', 'bridge_runs']
    for (const table of tables) {
      const cols = await sql`select column_name from information_schema.columns where table_name = ${table}`
      expect(cols.map((c) => c.columnName)).toContain('organization_id')
      const idx = await sql`select indexname, indexdef from pg_indexes where tablename = ${table}`
      for (const i of idx) {
        // Global lookups by design: token hash, bare id uniqueness, time-based retention,
        // and email values (a GIN index cannot lead with a uuid without btree_gin; an
        // address is rare across organizations, and the query still filters by one).
        if (/token_hash|_id_key$|scim_events_created|users_emails_values/.test(i.indexname)) continue
        expect([i.indexname, i.indexdef]).toEqual([i.indexname, expect.stringMatching(/\(organization_id/)])
      }
    }
  } finally {
    await sql.end()
  }
})
