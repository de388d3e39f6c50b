// Applies server/db/migrations/NNNN_name.sql in order, each in its own transaction,
// recorded in schema_migrations. An advisory lock makes concurrent runs (two pods
// starting at once) safe: the second waits, then finds nothing to do.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Sql } from './client'

const DIR = join(import.meta.dir, 'migrations')
const LOCK_KEY = 0x5c1b_b41d // arbitrary, fixed

export type Migration = { version: number; name: string; sql: string }

const MIGRATION_FILE = /^\d{4}_[\w-]+\.sql$/

export async function migrationFiles(dir = DIR): Promise<Migration[]> {
  // In the compiled binary the .sql files are embedded (see the `build` script).
  const files = existsSync(dir)
    ? readdirSync(dir).map((f) => ({ name: f, text: async () => readFileSync(join(dir, f), 'utf8') }))
    : Bun.embeddedFiles.map((blob) => ({ name: (blob as Blob & { name: string }).name, text: () => blob.text() }))
  const wanted = files.filter((f) => MIGRATION_FILE.test(f.name)).sort((a, b) => a.name.localeCompare(b.name))
  return Promise.all(wanted.map(async (f) => ({ version: Number(f.name.slice(0, 4)), name: f.name.slice(5, -4), sql: await f.text() })))
}

async function applied(sql: Sql): Promise<Set<number>> {
  await sql`create table if not exists schema_migrations (
    version integer primary key, name text not null, applied_at timestamptz not null default now())`
  const rows = await sql<{ version: number }[]>`select version from schema_migrations`
  return new Set(rows.map((r) => r.version))
}

/** Applies what is missing; returns the names applied. */
export async function migrate(sql: Sql, files?: Migration[]): Promise<string[]> {
  files ??= await migrationFiles()
  const done: string[] = []
  // A session-level lock on one reserved connection spans all the transactions.
  const conn = await sql.reserve()
  try {
    await conn`select pg_advisory_lock(${LOCK_KEY})`
    const have = await applied(conn as unknown as Sql)
    for (const m of files) {
      if (have.has(m.version)) continue
      await conn.unsafe('begin')
      try {
        await conn.unsafe(m.sql)
        await conn`insert into schema_migrations (version, name) values (${m.version}, ${m.name})`
        await conn.unsafe('commit')
      } catch (e) {
        await conn.unsafe('rollback')
        throw new Error(`migration ${String(m.version).padStart(4, '0')}_${m.name} failed: ${(e as Error).message}`)
      }
      done.push(`${String(m.version).padStart(4, '0')}_${m.name}`)
    }
  } finally {
    await conn`select pg_advisory_unlock(${LOCK_KEY})`.catch(() => {})
    conn.release()
  }
  return done
}
