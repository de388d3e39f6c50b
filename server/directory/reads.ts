// The directory as applications read it (README "Directory API"), straight from the
// tables SCIM and the bridges write. Every read is built by the views of migration 0009
// (directory_user, directory_group), the ones change events carry: a read and an event
// never disagree on a shape.
//
// Lists are keyset pages in a stable order: by id, which no update changes, so paging
// through everything meets each row exactly once; with updatedSince by (updated_at, id),
// so an incremental sync pages by update time (a row updated meanwhile moves to the end
// and is met again). Each filter and each page is served by an index (migration 0010).
// A cursor is the base64url JSON of the last row's keys, as Postgres gave them: the
// update time in microseconds (a Date would round it to milliseconds) and the id.
import type postgres from 'postgres'
import type { Tx } from '../db/client'
import { InvalidInput, NotFound } from '../errors'
import { isUuid } from '../uuid'

/**
 * A user as the directory shows it and its events carry: the JSON object that
 * directory_user (migration 0009) builds, timestamps as ISO strings.
 */
export interface DirectoryUser {
  id: string
  organizationId: string
  userName: string
  externalId: string | null
  active: boolean
  name: { givenName: string | null; familyName: string | null; formatted: string | null }
  displayName: string | null
  emails: { value?: string; type?: string; primary?: boolean }[] | null
  title: string | null
  department: string | null
  employeeNumber: string | null
  manager: { id: string } | null
  source: 'scim' | 'bridge' | 'manual'
  bridgeId: string | null
  createdAt: string
  updatedAt: string
  version: number
}

/** A group as directory_group (migration 0012) builds it. */
export interface DirectoryGroup {
  id: string
  organizationId: string
  displayName: string
  externalId: string | null
  source: 'scim' | 'bridge'
  bridgeId: string | null
  memberCount: number
  createdAt: string
  updatedAt: string
  version: number
}

type View = DirectoryUser | DirectoryGroup

export interface Page<V extends View = View> {
  items: V[]
  /** Where the next page starts; null on the last page. */
  nextCursor: string | null
}

export interface PageQuery {
  limit: number
  cursor?: string
}

export interface UserFilter {
  active?: boolean
  source?: 'scim' | 'bridge' | 'manual'
  bridgeId?: string
  /** A prefix of the userName, email or displayName, in any case. */
  q?: string
  /** Users updated at or after this time, in the order of their update. */
  updatedSince?: Date
}

type Row<V extends View> = { view: V; keys: string[] }

const MICROS = /^-?\d{1,16}$/

function encodeCursor(keys: string[]): string {
  return Buffer.from(JSON.stringify(keys)).toString('base64url')
}

/** The keys `cursor` holds: [id], or [update time in microseconds, id] when `byUpdate`. */
function decodeCursor(cursor: string, byUpdate: boolean): string[] {
  let keys: unknown
  try {
    keys = JSON.parse(Buffer.from(cursor, 'base64url').toString())
  } catch {}
  const valid =
    Array.isArray(keys) &&
    keys.length === (byUpdate ? 2 : 1) &&
    isUuid(keys.at(-1)) &&
    (!byUpdate || (typeof keys[0] === 'string' && MICROS.test(keys[0])))
  if (!valid) throw new InvalidInput(`cursor: not a cursor this list returned ${byUpdate ? 'with' : 'without'} updatedSince`)
  return keys as string[]
}

/** `limit + 1` rows read: the first `limit` are the page, the extra one says another follows. */
function pageOf<V extends View>(rows: Row<V>[], limit: number): Page<V> {
  const items = rows.slice(0, limit)
  return { items: items.map((r) => r.view), nextCursor: rows.length > limit ? encodeCursor(items.at(-1)!.keys) : null }
}

/**
 * `text` (lower-cased) starts with `prefix`, in any case: a byte range that the
 * collate "C" indexes of migration 0010 serve. It leaves out only strings that continue
 * the prefix with U+10FFFF, a noncharacter.
 */
function startsWith(sql: Tx, text: postgres.Fragment, prefix: string): postgres.Fragment {
  return sql`(${text} collate "C" >= lower(${prefix}::text) and ${text} collate "C" < (lower(${prefix}::text) || chr(1114111)))`
}

/** The organization's users that pass `f`, a page at a time. */
export async function listUsers(sql: Tx, orgId: string, f: UserFilter & PageQuery): Promise<Page<DirectoryUser>> {
  const byUpdate = f.updatedSince !== undefined
  const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, byUpdate)
  const rows = await sql<Row<DirectoryUser>[]>`
    select directory_user(u.*) as view,
      ${byUpdate ? sql`array[(extract(epoch from u.updated_at) * 1000000)::bigint::text, u.id::text]` : sql`array[u.id::text]`} as keys
    from users u
    where u.organization_id = ${orgId}
      ${f.active === undefined ? sql`` : f.active ? sql`and u.active` : sql`and not u.active`}
      ${f.source === undefined ? sql`` : sql`and u.source = ${f.source}`}
      ${f.bridgeId === undefined ? sql`` : sql`and u.bridge_id = ${f.bridgeId}::uuid`}
      ${f.q === undefined ? sql`` : sql`and (${startsWith(sql, sql`lower(u.user_name)`, f.q)} or ${startsWith(sql, sql`lower(u.email)`, f.q)} or ${startsWith(sql, sql`lower(u.display_name)`, f.q)})`}
      ${byUpdate ? sql`and u.updated_at >= ${f.updatedSince!}` : sql``}
      ${!after ? sql`` : byUpdate ? sql`and (u.updated_at, u.id) > (timestamptz 'epoch' + ${after[0]!}::bigint * interval '1 microsecond', ${after[1]!}::uuid)` : sql`and u.id > ${after[0]!}::uuid`}
    order by ${byUpdate ? sql`u.updated_at, u.id` : sql`u.id`}
    limit ${f.limit + 1}`
  return pageOf(rows, f.limit)
}

/** A user with its groups (`[{id, displayName}]`); NotFound outside `orgId` when given. */
export async function getUser(sql: Tx, id: string, orgId?: string): Promise<DirectoryUser & { groups: { id: string; displayName: string }[] }> {
  const [row] = await sql<{ view: DirectoryUser & { groups: { id: string; displayName: string }[] } }[]>`
    select directory_user(u.*) || jsonb_build_object('groups', (
        select coalesce(jsonb_agg(jsonb_build_object('id', g.id, 'displayName', g.display_name) order by g.display_name, g.id), '[]')
        from group_members m join groups g on g.organization_id = m.organization_id and g.id = m.group_id
        where m.organization_id = u.organization_id and m.user_id = u.id)) as view
    from users u
    where u.id = ${id} and u.organization_id = coalesce(${orgId ?? null}::uuid, u.organization_id)`
  if (!row) throw new NotFound(`user ${id} does not exist`)
  return row.view
}

/** The organization's groups, optionally those whose displayName starts with `q` (any case). */
export async function listGroups(sql: Tx, orgId: string, f: { q?: string } & PageQuery): Promise<Page<DirectoryGroup>> {
  const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, false)
  const rows = await sql<Row<DirectoryGroup>[]>`
    select directory_group(g.*) as view, array[g.id::text] as keys
    from groups g
    where g.organization_id = ${orgId}
      ${f.q === undefined ? sql`` : sql`and ${startsWith(sql, sql`lower(g.display_name)`, f.q)}`}
      ${after ? sql`and g.id > ${after[0]!}::uuid` : sql``}
    order by g.id
    limit ${f.limit + 1}`
  return pageOf(rows, f.limit)
}

/** A group; NotFound outside `orgId` when given. */
export async function getGroup(sql: Tx, id: string, orgId?: string): Promise<DirectoryGroup> {
  const [row] = await sql<{ view: DirectoryGroup }[]>`
    select directory_group(g.*) as view from groups g
    where g.id = ${id} and g.organization_id = coalesce(${orgId ?? null}::uuid, g.organization_id)`
  if (!row) throw new NotFound(`group ${id} does not exist`)
  return row.view
}

/** A group's members (directory views of users) in id order; NotFound outside `orgId` when given. */
export async function listMembers(sql: Tx, groupId: string, f: PageQuery, orgId?: string): Promise<Page<DirectoryUser>> {
  const after = f.cursor === undefined ? undefined : decodeCursor(f.cursor, false)
  const [group] = await sql<{ organizationId: string }[]>`
    select organization_id from groups where id = ${groupId} and organization_id = coalesce(${orgId ?? null}::uuid, organization_id)`
  if (!group) throw new NotFound(`group ${groupId} does not exist`)
  const rows = await sql<Row<DirectoryUser>[]>`
    select directory_user(u.*) as view, array[u.id::text] as keys
    from group_members m join users u on u.organization_id = m.organization_id and u.id = m.user_id
    where m.organization_id = ${group.organizationId} and m.group_id = ${groupId}
      ${after ? sql`and m.user_id > ${after[0]!}::uuid` : sql``}
    order by m.user_id
    limit ${f.limit + 1}`
  return pageOf(rows, f.limit)
}
