// The one module that writes users: SCIM requests now, the Bridge too. Every
// function takes `sql` first so it runs at top level or inside `sql.begin`, and
// every statement is scoped by organization (another tenant's id is simply absent).
// Inputs are canonical User resources (validateResource's output). Every write adds
// its change to the transaction's ChangeLog (server/events/outbox.ts), with the
// directory view Postgres builds from the row (directory_user, migration 0009).
import type postgres from 'postgres'
import { isUniqueViolation, type Tx } from '../db/client'
import { type Stored, changedColumns, columnsOf, forSql, fromRow } from '../store/columns'
import { UserNameTaken } from '../errors'
import type { ChangeLog } from '../events/outbox'
import { lookUp } from '../store/lookup'
import { type Page, type PageQuery, selectPage } from '../store/page'
import { USER } from '../schema'
import type { ScimObject } from '../schema/types'
import { type Origin, userColumns } from './model'
import { isUuid } from '../uuid'

type Fragment = postgres.Fragment
type Row = Record<string, unknown> & { id: string; version: number; createdAt: Date; updatedAt: Date; userName: string }

export interface ReadOptions {
  /** Load the read-only `groups` attribute (one correlated subquery, no N+1). */
  groups?: boolean
}

const UUID_RE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$'
const META = ['id', 'version', 'created_at', 'updated_at', 'source', 'bridge_id', 'email']

// The ~45 plain columns, escaped and joined once: sql(cols) would re-escape each
// identifier on every query. Names come from the schema, never from a request.
const COLUMNS = [...META, ...columnsOf(USER).map((m) => m.column)].map((c) => `"users"."${c.replace(/"/g, '""')}"`).join(', ')

// manager_id is whatever id the client sent; only a uuid can name a user.
const MANAGER = `(
    select m.display_name from users m
    where m.organization_id = users.organization_id
      and m.id = case when users.manager_id ~ '${UUID_RE}' then users.manager_id::uuid end
  ) as manager_display_name`
const GROUPS = `(
      select coalesce(jsonb_agg(jsonb_build_object('value', g.id, 'display', g.display_name) order by g.display_name, g.id), '[]'::jsonb)
      from group_members gm join groups g on g.organization_id = gm.organization_id and g.id = gm.group_id
      where gm.organization_id = users.organization_id and gm.user_id = users.id
    ) as member_of`
// Both select lists are constant text, built once: one fragment per query, nothing to escape per request.
const SELECT_LIST = `${COLUMNS}, ${MANAGER}`
const SELECT_LIST_WITH_GROUPS = `${SELECT_LIST}, ${GROUPS}`

/** The select list over `users`, with the manager's name and, when asked, the groups. */
const selectText = (opts: ReadOptions) => (opts.groups ? SELECT_LIST_WITH_GROUPS : SELECT_LIST)

function selectList(sql: Tx, opts: ReadOptions): Fragment {
  return (sql as postgres.Sql<{}>).unsafe(selectText(opts))
}

/** Row -> Stored: the canonical resource plus `groups` and `manager.displayName`. */
function toStored(row: Row): Stored {
  const resource = fromRow(USER, row)
  const ext = resource[USER.schemaExtensions[0]!.schema] as ScimObject | undefined
  const manager = ext?.manager as ScimObject | undefined
  if (manager && typeof row.managerDisplayName === 'string') manager.displayName = row.managerDisplayName
  const groups = row.memberOf as { value: string; display: string }[] | undefined
  if (groups && groups.length > 0) resource.groups = groups.map((g) => ({ value: g.value, display: g.display, type: 'direct' }))
  return { id: row.id, version: row.version, created: row.createdAt, lastModified: row.updatedAt, resource }
}

export async function getUser(sql: Tx, orgId: string, id: string, opts: ReadOptions = {}): Promise<Stored | undefined> {
  if (!isUuid(id)) return undefined
  const row = await lookUp<Row>(sql, 'users.id', orgId, id, selectText(opts))
  return row && toStored(row)
}

/** The user with this userName (unique per organization, case-insensitively). */
export async function userByName(sql: Tx, orgId: string, userName: string, opts: ReadOptions = {}): Promise<Stored | undefined> {
  const row = await lookUp<Row>(sql, 'users.userName', orgId, userName, selectText(opts))
  return row && toStored(row)
}

/** A user locked for a read-modify-write (PUT, PATCH): concurrent writers queue here. */
export interface LockedUser {
  stored: Stored
  row: Row
  /** The directory view before the write, for its event. */
  view: unknown
}

export async function lockUser(sql: Tx, orgId: string, id: string): Promise<LockedUser | undefined> {
  if (!isUuid(id)) return undefined
  const [row] = await sql<(Row & { directoryView: unknown })[]>`
    select ${selectList(sql, {})}, directory_user(users.*) as directory_view
    from users where organization_id = ${orgId} and id = ${id} for update of users`
  return row && { stored: toStored(row), row, view: row.directoryView }
}

export async function listUsers(sql: Tx, orgId: string, q: PageQuery, opts: ReadOptions = {}): Promise<Page<Stored>> {
  const page = await selectPage<Row>(sql, USER, orgId, q, selectList(sql, opts))
  return { ...page, items: page.items.map(toStored) }
}

/**
 * POST creates, or answers 409 uniqueness when the userName is taken in the organization
 * (case-insensitively): the unique index on (organization_id, lower(user_name)) decides
 * races, and `on conflict do nothing` makes exactly one of many concurrent creates win.
 * Nothing else selects an existing user: externalId is the client's own identifier, not
 * unique (RFC 7643 §3.1), and users are never adopted by email (an account-takeover path
 * in other servers). A create never writes over another user.
 */
export async function createUser(sql: Tx, orgId: string, resource: ScimObject, origin: Origin, log: ChangeLog): Promise<{ id: string }> {
  const [row] = await sql<{ id: string; view: unknown }[]>`
    insert into users ${sql(insertValues(sql, orgId, resource, origin))}
    on conflict do nothing
    returning id, directory_user(users.*) as view`
  if (!row) throw new UserNameTaken(resource.userName)
  log.add({ type: 'user.created', userId: row.id, data: row.view })
  return { id: row.id }
}

function insertValues(sql: Tx, orgId: string, resource: ScimObject, origin: Origin) {
  return {
    ...forSql(sql, userColumns(resource), USER),
    organization_id: orgId,
    source: origin.source,
    bridge_id: origin.bridgeId ?? null,
  }
}

/**
 * Stores `resource` over the locked user (PUT, PATCH). Returns false, and
 * writes nothing, when no column would change: the version only moves on a real change.
 */
export async function writeUser(sql: Tx, orgId: string, locked: LockedUser, resource: ScimObject, log: ChangeLog): Promise<boolean> {
  const cols = userColumns(resource)
  const changed = Object.keys(changedColumns(locked.row, cols, USER)).length > 0
  if (!changed) return false
  let row: { view: unknown } | undefined
  try {
    ;[row] = await sql<{ view: unknown }[]>`
      update users set ${sql(forSql(sql, cols, USER))}, version = version + 1, updated_at = now()
      where organization_id = ${orgId} and id = ${locked.row.id}
      returning directory_user(users.*) as view`
  } catch (e) {
    throw isUniqueViolation(e) ? new UserNameTaken(resource.userName) : e
  }
  log.add({ type: 'user.updated', userId: locked.row.id, data: row!.view, before: locked.view })
  return true
}

/** Deletes the user; its memberships go with it (the event says so: user.deleted, no member events). */
export async function deleteUser(sql: Tx, orgId: string, id: string, log: ChangeLog): Promise<boolean> {
  if (!isUuid(id)) return false
  const rows = await sql<{ view: unknown }[]>`
    delete from users where organization_id = ${orgId} and id = ${id} returning directory_user(users.*) as view`
  for (const r of rows) log.add({ type: 'user.deleted', userId: id, data: r.view })
  return rows.length > 0
}
