// One page of a filtered, sorted list of Users or Groups, and its total. Shared by both
// stores; each passes the columns it selects. The condition comes compiled (the SCIM
// filter, server/scim/filter/to-sql.ts): this module knows tables and indexes, not filters.
//
// Order is (sort key, id): `id` breaks ties so the order is total and stable across
// pages. Without sortBy the key is created_at, served by the (organization_id,
// created_at, id) index. Two ways to page:
// - keyset (RFC 9865 cursors): `where (key, id) > (last key, last id)`, which is an
//   index range scan however deep the page is;
// - startIndex (RFC 7644 index paging): OFFSET, but over a narrow CTE that selects
//   only ids (index-only on the default order), the wide rows being fetched for the
//   page alone. Index paging cannot be translated to keyset without the key of the
//   row before the page, so deep index pages cost an index-only skip; clients that
//   page deep should use cursors.
import type postgres from 'postgres'
import type { Sql, Tx } from '../db/client'
import { foldsCase } from '../schema'
import type { Attribute, ResourceType } from '../schema/types'

type Fragment = postgres.Fragment

export interface PageQuery {
  /** A condition on the table's rows, built for the `sql` the page is read with. */
  where?: (sql: Sql) => Fragment
  /** A singular simple attribute with a column (server/scim/filter/to-sql.ts sortAttribute); undefined sorts by creation. */
  sortBy?: Attribute
  descending?: boolean
  /** Page size; 0 returns only the total. */
  count: number
  /** 1-based offset paging; ignored when `after` is set. */
  startIndex: number
  /** Keyset paging: the position of the last row of the previous page. */
  after?: Position
}

/** Where a row sits in the order: its sort key as text (null when absent) and id. */
export interface Position {
  key: string | null
  id: string
}

export interface Page<R> {
  total: number
  items: R[]
  /** Rows remain after this page. */
  more: boolean
  /** The position of the last row, for the next cursor. */
  last?: Position
}

/**
 * `columns` is the select list over the resource table, which the outer query names
 * by its own name (e.g. `users.id`) so correlated subqueries can use it.
 */
export async function selectPage<R extends Record<string, unknown>>(
  sql: Tx,
  rt: ResourceType,
  orgId: string,
  q: PageQuery,
  columns: Fragment,
): Promise<Page<R>> {
  const s = sql as postgres.Sql<{}>
  const table = sql(rt.table)
  const where = q.where ? s`and (${q.where(s)})` : s``
  const { key, type, nullable } = sortKey(s, rt, q.sortBy)
  const dir = q.descending ? s`desc` : s`asc`
  const order = s`${key} ${dir}, id ${dir}`
  const keyset = q.after ? s`and ${after(s, key, type, nullable, q.after, q.descending ?? false)}` : s``
  const offset = q.after ? 0 : Math.max(0, q.startIndex - 1)

  // A first page usually holds the whole answer (a filter on userName or externalId):
  // fetch it alone, and count only when it is full.
  if (offset === 0 && !q.after && q.count > 0) {
    const rows = await sql<(R & { pageKey: string | null })[]>`
      select ${key}::text as page_key, ${columns}
      from ${table}
      where organization_id = ${orgId} ${where}
      order by ${order}
      limit ${q.count + 1}`
    const total = rows.length <= q.count ? rows.length : await countRows(sql, rt.table, orgId, where)
    return pageOf(rows, q.count, total)
  }

  // The CTE carries only (key, id): with the default order that is an index-only scan,
  // and rows skipped by OFFSET cost no projection. Wide columns, the key as text and
  // the final order are computed for the page's rows alone.
  const rows = await sql<(R & { pageTotal: number; pageKey: string | null })[]>`
    with page as (
      select id as page_id, ${key} as page_k
      from ${table}
      where organization_id = ${orgId} ${where} ${keyset}
      order by ${order}
      limit ${q.count + 1} offset ${offset}
    )
    select total.n as page_total, page.page_k::text as page_key, ${columns}
    from (select count(*)::int as n from ${table} where organization_id = ${orgId} ${where}) total
    left join (page join ${table} on ${table}.organization_id = ${orgId} and ${table}.id = page.page_id) on true
    order by page.page_k ${dir}, page.page_id ${dir}`
  // With an empty page the left join yields one row of nulls that carries the total.
  return pageOf(rows.filter((r) => r.id !== null), q.count, rows[0]?.pageTotal ?? 0)
}

async function countRows(sql: Tx, table: ResourceType['table'], orgId: string, where: Fragment): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from ${sql(table)} where organization_id = ${orgId} ${where}`
  return row!.n
}

/** One row more than asked was fetched to learn whether another page follows. */
function pageOf<R extends Record<string, unknown>>(found: (R & { pageKey: string | null })[], count: number, total: number): Page<R> {
  const page = found.slice(0, count)
  const lastRow = page.at(-1)
  return {
    total,
    items: page,
    more: found.length > count,
    ...(lastRow ? { last: { key: lastRow.pageKey, id: lastRow.id as string } } : {}),
  }
}

/** Postgres type of a sort key, so a cursor's text key is compared as what it was. */
type KeyType = 'text' | 'timestamptz' | 'boolean' | 'numeric'

/**
 * Sort columns declared NOT NULL in server/db/migrations/0002_users_groups.sql. For
 * these the keyset condition has no `or key is null` branch, which would keep
 * Postgres from using the index range (a 90k-entry scan instead of a seek).
 */
const NOT_NULL: Record<ResourceType['table'], ReadonlySet<string>> = {
  users: new Set(['id', 'user_name', 'active', 'version', 'created_at', 'updated_at']),
  groups: new Set(['id', 'display_name', 'version', 'created_at', 'updated_at']),
}

export function sortKey(sql: postgres.Sql<{}>, rt: ResourceType, a: Attribute | undefined): { key: Fragment; type: KeyType; nullable: boolean } {
  if (a === undefined) return { key: sql`created_at`, type: 'timestamptz', nullable: false }
  const column = a.name === 'id' ? sql`id::text` : sql`${sql(a.column!)}`
  const key = foldsCase(a) ? sql`lower(${column})` : column
  const type: KeyType =
    a.type === 'dateTime' ? 'timestamptz' : a.type === 'boolean' ? 'boolean' : a.type === 'integer' || a.type === 'decimal' ? 'numeric' : 'text'
  return { key, type, nullable: !(a.column && NOT_NULL[rt.table].has(a.column)) }
}

/**
 * Rows strictly after `p` in the order `key dir, id dir`. Postgres sorts nulls as the
 * largest values (last ascending, first descending), which this mirrors.
 */
function after(sql: postgres.Sql<{}>, key: Fragment, type: KeyType, nullable: boolean, p: Position, desc: boolean): Fragment {
  const id = sql`${p.id}::uuid`
  if (p.key === null) {
    return desc ? sql`(${key} is not null or id < ${id})` : sql`(${key} is null and id > ${id})`
  }
  const k = cast(sql, p.key, type)
  // The row-value comparison keeps the (organization_id, created_at, id) index usable.
  if (desc || !nullable) return desc ? sql`(${key}, id) < (${k}, ${id})` : sql`(${key}, id) > (${k}, ${id})`
  return sql`((${key}, id) > (${k}, ${id}) or ${key} is null)`
}

// Through ::text first: the driver would turn a timestamptz parameter into a JS Date
// and drop the microseconds the key carries.
function cast(sql: postgres.Sql<{}>, v: string, type: KeyType): Fragment {
  switch (type) {
    case 'timestamptz':
      return sql`${v}::text::timestamptz`
    case 'boolean':
      return sql`${v}::text::boolean`
    case 'numeric':
      return sql`${v}::text::numeric`
    default:
      return sql`${v}::text`
  }
}
