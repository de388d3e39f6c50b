// Point lookups of Users and Groups (by id, or a user by its case-insensitive userName),
// shared by both stores as page.ts is; each passes the columns it selects, as text.
// Concurrent lookups on the pool are merged into one statement per batch
// (server/db/coalesce.ts): IdPs check existence with one request per user, many at once.
// Inside a transaction a read must see the transaction's own writes, so lookups on a
// transaction's `sql` (one without `begin`) go alone.
import type { Tx } from '../db/client'
import { CoalescerGroups } from '../db/coalesce'

/** What is looked up, by what: only these pairs exist (a group has no userName). */
const LOOKUPS = {
  'users.id': { table: 'users', match: 'users.id = k.key::uuid' },
  // users_user_name: (organization_id, lower(user_name)), unique.
  'users.userName': { table: 'users', match: 'lower(users.user_name) = lower(k.key)' },
  'groups.id': { table: 'groups', match: 'groups.id = k.key::uuid' },
} as const
export type Lookup = keyof typeof LOOKUPS

// Keys go in as a VALUES list padded with nulls (which match nothing) to a size from
// this ladder. The planner then knows the row count, and each size keeps one generic
// plan. With `unnest($1::text[])` it assumed 10 rows, found custom plans cheaper, and
// planned anew on every execution (~0.35 ms of Postgres CPU each, measured).
const LOOKUP_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512]
const MAX_LOOKUP_BATCH = LOOKUP_SIZES.at(-1)!

// Select lists are constant texts of the stores (a handful): each gets a small number,
// which names it in statement and batch keys.
const columnLists = new Map<string, number>()
const listNumber = (columns: string) => {
  let n = columnLists.get(columns)
  if (n === undefined) columnLists.set(columns, (n = columnLists.size))
  return n
}

const statements = new Map<string, string>()

/** `shape` names the lookup and its columns (see lookUp). */
function statement(lookup: Lookup, shape: string, size: number, columns: string): string {
  const name = `${shape}|${size}`
  let text = statements.get(name)
  if (text === undefined) {
    const { table, match } = LOOKUPS[lookup]
    const values = Array.from({ length: size }, (_, i) => `($${i + 2}::text, ${i})`).join(', ')
    text = `select k.i as lookup_index, ${columns}
      from (values ${values}) as k(key, i)
      join ${table} on ${table}.organization_id = $1 and ${match}`
    statements.set(name, text)
  }
  return text
}

/** The rows the keys name, at the keys' positions. Ids must be UUIDs (isUuid). */
async function rowsByKeys<R>(sql: Tx, lookup: Lookup, shape: string, orgId: string, keys: string[], columns: string): Promise<(R | undefined)[]> {
  const size = LOOKUP_SIZES.find((n) => n >= keys.length)
  if (size === undefined) throw new RangeError(`at most ${MAX_LOOKUP_BATCH} keys per lookup`)
  const params = [orgId, ...keys, ...new Array<null>(size - keys.length).fill(null)]
  const rows = await sql.unsafe<(R & { lookupIndex: number })[]>(statement(lookup, shape, size, columns), params, { prepare: true })
  const out: (R | undefined)[] = new Array(keys.length)
  for (const row of rows) out[row.lookupIndex] = row
  return out
}

const merged = new WeakMap<object, CoalescerGroups<string, unknown>>()

/** One row by `lookup`; `columns` is the select list over its table, as constant text. */
export function lookUp<R>(sql: Tx, lookup: Lookup, orgId: string, key: string, columns: string): Promise<R | undefined> {
  const shape = `${lookup}|${listNumber(columns)}`
  const fetch = (keys: string[]) => rowsByKeys<R>(sql, lookup, shape, orgId, keys, columns)
  if (!('begin' in sql)) return fetch([key]).then(([row]) => row)
  let batches = merged.get(sql)
  if (!batches) merged.set(sql, (batches = new CoalescerGroups({ maxBatch: MAX_LOOKUP_BATCH })))
  // Lookups that share this merge into one statement: the same organization, lookup and columns.
  return batches.load(`${orgId}|${shape}`, key, fetch) as Promise<R | undefined>
}
