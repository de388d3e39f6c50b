// Groups and their memberships (group_members). Same conventions as server/users:
// `sql` first, every statement scoped by organization. Membership changes are
// set-based (one statement per operation, whatever the number of ids), so adding
// 10,000 members is a handful of statements in the caller's transaction. Every write
// adds its changes to the transaction's ChangeLog (server/events/outbox.ts): the group's
// view (directory_group, migration 0009) and one event per membership added or removed.
import type postgres from 'postgres'
import type { Tx } from '../db/client'
import { type Stored, changedColumns, columnsOf, forSql, fromRow, toColumns } from '../store/columns'
import { NotUsers } from '../errors'
import type { Change, ChangeLog } from '../events/outbox'
import { lookUp } from '../store/lookup'
import { type Page, type PageQuery, selectPage } from '../store/page'
import { GROUP } from '../schema'
import { isObject, type ScimObject } from '../schema/types'
import { isUuid } from '../uuid'

type Fragment = postgres.Fragment

/**
 * - add: insert these member ids (already-members are no-ops)
 * - remove: delete these member ids (non-members are no-ops)
 * - replace: the members become exactly these ids
 * - removeAll: the group has no members
 */
export type MemberOp = { kind: 'add' | 'remove' | 'replace'; values: string[] } | { kind: 'removeAll' }
type Row = Record<string, unknown> & { id: string; version: number; createdAt: Date; updatedAt: Date }

export interface ReadOptions {
  /** Load `members` (skip it for excludedAttributes=members: a group may have many). */
  members?: boolean
}

const META = ['id', 'version', 'created_at', 'updated_at']

// Both select lists are constant text, built once (names come from the schema).
const COLUMNS = [...META, ...columnsOf(GROUP).map((m) => m.column)].map((c) => `groups."${c.replace(/"/g, '""')}"`).join(', ')
const MEMBERS = `(
      select coalesce(jsonb_agg(jsonb_build_object('value', u.id, 'display', coalesce(u.display_name, u.user_name)) order by lower(u.user_name)), '[]'::jsonb)
      from group_members gm join users u on u.organization_id = gm.organization_id and u.id = gm.user_id
      where gm.organization_id = groups.organization_id and gm.group_id = groups.id
    ) as member_list`
const SELECT_LIST_WITH_MEMBERS = `${COLUMNS}, ${MEMBERS}`

/** The select list over `groups`, with the members when asked. */
const selectText = (opts: ReadOptions) => (opts.members ? SELECT_LIST_WITH_MEMBERS : COLUMNS)

function selectList(sql: Tx, opts: ReadOptions): Fragment {
  return (sql as postgres.Sql<{}>).unsafe(selectText(opts))
}

function toStored(row: Row): Stored {
  const resource = fromRow(GROUP, row)
  const members = row.memberList as { value: string; display: string }[] | undefined
  if (members && members.length > 0) resource.members = members.map((m) => ({ value: m.value, display: m.display, type: 'User' }))
  return { id: row.id, version: row.version, created: row.createdAt, lastModified: row.updatedAt, resource }
}

export async function getGroup(sql: Tx, orgId: string, id: string, opts: ReadOptions = {}): Promise<Stored | undefined> {
  if (!isUuid(id)) return undefined
  const row = await lookUp<Row>(sql, 'groups.id', orgId, id, selectText(opts))
  return row && toStored(row)
}

export interface LockedGroup {
  /** Without members: PATCH works on membership operations, never on the loaded list. */
  stored: Stored
  row: Row
  /** The directory view before the write, for its event. */
  view: unknown
}

export async function lockGroup(sql: Tx, orgId: string, id: string): Promise<LockedGroup | undefined> {
  if (!isUuid(id)) return undefined
  const [row] = await sql<(Row & { directoryView: unknown })[]>`
    select ${selectList(sql, {})}, directory_group(groups.*) as directory_view
    from groups where organization_id = ${orgId} and id = ${id} for update`
  return row && { stored: toStored(row), row, view: row.directoryView }
}

export async function listGroups(sql: Tx, orgId: string, q: PageQuery, opts: ReadOptions = {}): Promise<Page<Stored>> {
  const page = await selectPage<Row>(sql, GROUP, orgId, q, selectList(sql, opts))
  return { ...page, items: page.items.map(toStored) }
}

/** POST: the group and its initial members, which must be users of the organization. */
export async function createGroup(sql: Tx, orgId: string, resource: ScimObject, log: ChangeLog): Promise<{ id: string }> {
  const [row] = await sql<{ id: string }[]>`
    insert into groups ${sql({ ...forSql(sql, toColumns(GROUP, resource), GROUP), organization_id: orgId })}
    returning id`
  const id = row!.id
  const ids = memberIds(resource)
  const members = ids.length > 0 ? await applyMemberOps(sql, orgId, id, [{ kind: 'add', values: ids }]) : []
  log.add({ type: 'group.created', groupId: id, data: await groupView(sql, orgId, id) }, ...members)
  return { id }
}

async function groupView(sql: Tx, orgId: string, id: string): Promise<unknown> {
  const [row] = await sql<{ view: unknown }[]>`select directory_group(groups.*) as view from groups where organization_id = ${orgId} and id = ${id}`
  return row!.view
}

/**
 * Stores `resource`'s attributes over the locked group and applies `memberOps`.
 * The version moves once, and only if an attribute or a membership really changed.
 */
export async function writeGroup(
  sql: Tx, orgId: string, locked: LockedGroup, resource: ScimObject, memberOps: MemberOp[], log: ChangeLog,
): Promise<boolean> {
  const cols = toColumns(GROUP, resource)
  const attributesChanged = Object.keys(changedColumns(locked.row, cols, GROUP)).length > 0
  const members = await applyMemberOps(sql, orgId, locked.row.id, memberOps)
  if (!attributesChanged && members.length === 0) return false
  // Two statements rather than a fragment: the driver's column helper needs `set` before it.
  if (attributesChanged) {
    const [row] = await sql<{ view: unknown }[]>`
      update groups set ${sql(forSql(sql, cols, GROUP))}, version = version + 1, updated_at = now()
      where organization_id = ${orgId} and id = ${locked.row.id}
      returning directory_group(groups.*) as view`
    log.add({ type: 'group.updated', groupId: locked.row.id, data: row!.view, before: locked.view })
  } else {
    await sql`update groups set version = version + 1, updated_at = now() where organization_id = ${orgId} and id = ${locked.row.id}`
  }
  log.add(...members)
  return true
}

/** PUT's membership: `members` given (even empty) replaces them all; omitted keeps them. */
export function putMemberOps(resource: ScimObject): MemberOp[] {
  if (!('members' in resource)) return []
  const ids = memberIds(resource)
  return ids.length === 0 ? [{ kind: 'removeAll' }] : [{ kind: 'replace', values: ids }]
}

/**
 * Applies membership operations in order, one statement each; returns the memberships
 * added and removed, as changes. Ids to add must name users of the organization, else
 * NotUsers naming them (nothing is written: the caller's transaction rolls back).
 */
export async function applyMemberOps(sql: Tx, orgId: string, groupId: string, ops: MemberOp[]): Promise<Change[]> {
  type Rows = { userId: string }[]
  const changes: Change[] = []
  const record = (type: 'group.member_added' | 'group.member_removed', rows: Rows) => {
    for (const { userId } of rows) changes.push({ type, groupId, userId, data: { groupId, userId } })
  }
  for (const op of ops) {
    if (op.kind === 'removeAll') {
      record('group.member_removed', await sql<Rows>`
        delete from group_members where organization_id = ${orgId} and group_id = ${groupId} returning user_id`)
      continue
    }
    if (op.kind === 'remove') {
      // An id that is not a uuid cannot be a member: removing it is a no-op.
      const ids = op.values.filter(isUuid)
      if (ids.length === 0) continue
      record('group.member_removed', await sql<Rows>`
        delete from group_members
        where organization_id = ${orgId} and group_id = ${groupId} and user_id = any(${ids}::uuid[])
        returning user_id`)
      continue
    }
    const ids = await existingUsers(sql, orgId, op.values)
    if (op.kind === 'replace') {
      record('group.member_removed', await sql<Rows>`
        delete from group_members
        where organization_id = ${orgId} and group_id = ${groupId} and user_id <> all(${ids}::uuid[])
        returning user_id`)
    }
    record('group.member_added', await sql<Rows>`
      insert into group_members (organization_id, group_id, user_id)
      select ${orgId}, ${groupId}, x from unnest(${ids}::uuid[]) x
      on conflict do nothing
      returning user_id`)
  }
  return changes
}

/** The ids, checked to be users of the organization (one anti-join for the whole list). */
async function existingUsers(sql: Tx, orgId: string, values: string[]): Promise<string[]> {
  const ids = [...new Set(values.map((v) => v.toLowerCase()))]
  const malformed = ids.filter((id) => !isUuid(id))
  const missing =
    malformed.length > 0
      ? malformed
      : (
          await sql<{ id: string }[]>`
            select x::text as id from unnest(${ids}::uuid[]) x
            where not exists (select 1 from users u where u.organization_id = ${orgId} and u.id = x)`
        ).map((r) => r.id)
  if (missing.length > 0) throw new NotUsers(missing)
  return ids
}

/** Deletes the group; its memberships go with it (the event says so: group.deleted, no member events). */
export async function deleteGroup(sql: Tx, orgId: string, id: string, log: ChangeLog): Promise<boolean> {
  if (!isUuid(id)) return false
  const rows = await sql<{ view: unknown }[]>`
    delete from groups where organization_id = ${orgId} and id = ${id} returning directory_group(groups.*) as view`
  for (const r of rows) log.add({ type: 'group.deleted', groupId: id, data: r.view })
  return rows.length > 0
}

function memberIds(resource: ScimObject): string[] {
  const members = Array.isArray(resource.members) ? resource.members : []
  return members.filter(isObject).map((m) => m.value).filter((v): v is string => typeof v === 'string')
}
