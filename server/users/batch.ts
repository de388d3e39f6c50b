// Set-based user writes for the Bridge: one statement per batch, never a query per user,
// and every change audited (source 'bridge') in the caller's transaction. The row mapping
// is the store's (userColumns: the schema's columns and the email rule); this file only
// says where each directory field sits in a SCIM User, and the schema gives its column,
// so an update touches nothing else (an adopted user keeps the phone numbers SCIM gave it).
// Every change is staged with its directory view (staged_changes); the sync appends them
// as events when it ends (server/events/outbox.ts).
import type { DirectoryUser, StoredUser, UserUpdate } from '../../bridge/directory'
import { type AuditEvent, insertEvents } from '../audit'
import { toRow } from '../audit/writer'
import type { Tx } from '../db/client'
import { beginStagingChanges, type DeactivationReason } from '../events/outbox'
import { ENTERPRISE_SCHEMA, USER, resolveAttribute } from '../schema'
import type { ScimObject } from '../schema/types'
import { emailOf, userColumns } from './model'

type Field = keyof DirectoryUser

/** Where the plain directory fields sit in a SCIM User. */
const PATHS = {
  externalId: 'externalId',
  userName: 'userName',
  givenName: 'name.givenName',
  familyName: 'name.familyName',
  displayName: 'displayName',
  active: 'active',
  title: 'title',
  department: `${ENTERPRISE_SCHEMA}:department`,
  employeeNumber: `${ENTERPRISE_SCHEMA}:employeeNumber`,
} as const satisfies Partial<Record<Field, string>>

const at = (path: string) => resolveAttribute(USER, path)!
const columnAt = (path: string) => {
  const r = at(path)
  return (r.subAttribute ?? r.attribute).column!
}

/**
 * The columns each directory field writes. `email` is the store's email rule (the
 * `email` column and one work address in `emails`). The manager is stored as the
 * directory's id (compared on the next sync) and resolved to our user id by `resolveManagers`.
 */
const FIELD_COLUMNS = {
  ...(Object.fromEntries(Object.entries(PATHS).map(([field, path]) => [field, [columnAt(path)]])) as Record<keyof typeof PATHS, string[]>),
  email: ['email', columnAt('emails')],
  managerExternalId: ['manager_external_id', columnAt(`${ENTERPRISE_SCHEMA}:manager.value`)],
} satisfies Record<Field, string[]>
const JSON_COLUMNS = new Set([columnAt('emails')])
const UPDATABLE = [...new Set(Object.values(FIELD_COLUMNS).flat())]

/** A directory user as a SCIM User: what the store's mapping reads. */
function toResource(user: Partial<DirectoryUser>): ScimObject {
  const out: ScimObject = { emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : [] }
  for (const [field, path] of Object.entries(PATHS) as [keyof typeof PATHS, string][]) {
    const { schema, attribute, subAttribute } = at(path)
    let holder = out
    if (schema.id !== USER.schema) holder = (out[schema.id] as ScimObject | undefined) ?? (out[schema.id] = {})
    if (!subAttribute) holder[attribute.name] = user[field]
    else ((holder[attribute.name] as ScimObject | undefined) ?? (holder[attribute.name] = {}))[subAttribute.name] = user[field]
  }
  return out
}

/** The column values of a directory user (manager_id is left for resolveManagers). */
function allColumns(user: Partial<DirectoryUser>): Record<string, unknown> {
  return { ...userColumns(toResource(user)), manager_external_id: user.managerExternalId ?? null, manager_id: null }
}

/** The column values of the given fields. */
function columnsOf(user: Partial<DirectoryUser>): Record<string, unknown> {
  const all = allColumns(user)
  const out: Record<string, unknown> = {}
  for (const field of Object.keys(user) as Field[]) for (const column of FIELD_COLUMNS[field] ?? []) out[column] = all[column]
  return out
}

/** The directory user with the store's email rule applied, so stored and directory values compare equal. */
export function withStoreEmail(user: DirectoryUser): DirectoryUser {
  return { ...user, email: emailOf(toResource(user)) }
}

/** StoredUser's select list: each field's (first) column under the field's name. */
const STORED_TEXT = [
  'id',
  ...Object.entries(FIELD_COLUMNS).map(([field, [column]]) => `${column} as ${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`),
  'source',
  'bridge_id',
].join(', ')
const STORED = (sql: Tx) => sql.unsafe(STORED_TEXT)

/** The users `planPage` may match (see plan.ts `matchKeys`): by this bridge's externalIds, then by userName or email. */
export function loadStoredForMatch(
  sql: Tx, orgId: string, bridgeId: string, keys: { externalIds: string[]; emails: string[]; userNames: string[] },
): Promise<StoredUser[]> {
  return sql<StoredUser[]>`
    select ${STORED(sql)} from users
    where organization_id = ${orgId}
      and ((bridge_id = ${bridgeId} and external_id = any(${keys.externalIds}::text[]))
        or lower(user_name) = any(${keys.userNames}::text[])
        or email = any(${keys.emails}::text[]))`
}

/**
 * This bridge's active users: the candidates for deactivation once the whole directory was
 * seen. A chunk at a time, by id after `after` (a plain query, not a cursor: the caller
 * queries between chunks on the same transaction).
 */
export function loadActiveManaged(sql: Tx, orgId: string, bridgeId: string, after: string | null, limit: number) {
  return sql<{ id: string; externalId: string | null; userName: string; active: boolean }[]>`
    select id, external_id, user_name, active from users
    where organization_id = ${orgId} and bridge_id = ${bridgeId} and source = 'bridge' and active
      ${after === null ? sql`` : sql`and id > ${after}`}
    order by id limit ${limit}`
}

/**
 * Creates wait in a temporary table until the end of the sync's transaction. Matching
 * reads `users` page after page; rows inserted there by the same transaction are invisible
 * to the planner's statistics, so a new organization filling up would be scanned whole for
 * every page (quadratic). Staged, the creates leave `users` as the statistics know it.
 * They are staged as the rows they will be (the user, its id drawn here, and its audit
 * event), so creating them is one statement and no user comes back through the worker.
 */
export async function beginStaging(sql: Tx): Promise<void> {
  await sql`create temporary table bridge_sync_creates (seq serial primary key, user_row jsonb not null, event_row jsonb not null) on commit drop`
  await beginStagingChanges(sql)
}

export async function stageCreates(sql: Tx, orgId: string, bridgeId: string, users: DirectoryUser[]): Promise<void> {
  if (!users.length) return
  const staged = users.map((u) => {
    const row = createRow(orgId, bridgeId, u)
    const event = eventRow(orgId, bridgeId, { ...CREATED, id: row.id, userName: u.userName, body: u })
    return { user_row: ownValues(row, SHARED_USER_COLUMNS), event_row: ownValues(event, SHARED_EVENT_COLUMNS) }
  })
  await sql`
    insert into bridge_sync_creates (user_row, event_row)
    select user_row, event_row from jsonb_to_recordset(${JSON.stringify(staged)}::text::jsonb) as s (user_row jsonb, event_row jsonb)`
}

/**
 * What a staged row carries: its non-null values (a missing key is null to
 * jsonb_populate_record) but for the columns every create of the sync shares, which
 * createStagedUsers merges in once: a page of 999 creates stages 1.0 MB of JSON, not 1.4.
 */
function ownValues(row: Record<string, unknown>, shared: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key in row) if (row[key] !== null && !shared.has(key)) out[key] = row[key]
  return out
}

/** The users row of a created directory user. */
function createRow(orgId: string, bridgeId: string, user: DirectoryUser) {
  return { ...allColumns(user), id: crypto.randomUUID(), organization_id: orgId, source: 'bridge', bridge_id: bridgeId }
}

/** scim_events columns by AuditEvent key. */
const COLUMN_OF = new Map<string, string>()
// The mappings give every column whatever the values: the columns of any row are those of all.
const NO_ID = '00000000-0000-0000-0000-000000000000'
const SAMPLE: DirectoryUser = {
  externalId: '', userName: '', email: null, givenName: null, familyName: null, displayName: null, active: true,
  title: null, department: null, employeeNumber: null, managerExternalId: null,
}
const CREATED = { status: 201, method: 'POST' } as const
const CREATE_COLUMNS = Object.keys(createRow(NO_ID, NO_ID, SAMPLE))
const EVENT_COLUMNS = Object.keys(eventRow(NO_ID, NO_ID, { ...CREATED, id: NO_ID, userName: '', body: null }))
/** A create's own columns are its id and what its directory fields write; the others are the sync's (or empty). */
const SHARED_USER_COLUMNS = new Set(CREATE_COLUMNS.filter((c) => c !== 'id' && !UPDATABLE.includes(c)))
const SHARED_EVENT_COLUMNS = new Set(['organization_id', 'bridge_id', 'source', 'method', 'status'])

/** The values of the shared columns, as the jsonb each staged row is merged over. */
function sharedValues(orgId: string, bridgeId: string) {
  const pick = (row: Record<string, unknown>, columns: ReadonlySet<string>) => JSON.stringify(Object.fromEntries([...columns].map((c) => [c, row[c]])))
  return {
    user: pick(createRow(orgId, bridgeId, SAMPLE), SHARED_USER_COLUMNS),
    event: pick(eventRow(orgId, bridgeId, { ...CREATED, id: NO_ID, userName: '', body: null }), SHARED_EVENT_COLUMNS),
  }
}

/**
 * Creates the staged users as this bridge's, and records their events, in one statement
 * (jsonb_populate_record spreads each staged row over the columns). A userName taken
 * meanwhile (a concurrent SCIM create) is skipped, with its event: `taken` lists those.
 */
export async function createStagedUsers(sql: Tx, orgId: string, bridgeId: string) {
  const shared = sharedValues(orgId, bridgeId)
  // "as (insert": the helpers read the text before them, and "as (" on its own line would make them rows.
  const [result] = await sql<{ created: number; taken: { externalId: string; userName: string }[] }[]>`
    with inserted as (insert into users (${sql(CREATE_COLUMNS)})
      select ${sql(CREATE_COLUMNS)} from bridge_sync_creates s, jsonb_populate_record(null::users, ${shared.user}::text::jsonb || s.user_row) order by s.seq
      on conflict do nothing returning id
    ), changed as (insert into staged_changes (type, user_id) select 'user.created', id from inserted
    ), audited as (insert into scim_events (${sql(EVENT_COLUMNS)})
      select ${sql(EVENT_COLUMNS)} from bridge_sync_creates s, jsonb_populate_record(null::scim_events, ${shared.event}::text::jsonb || s.event_row)
      where user_id in (select id from inserted) order by s.seq
    )
    select (select count(*) from inserted)::int as created, coalesce((
      select jsonb_agg(jsonb_build_object('externalId', user_row->>'external_id', 'userName', user_row->>'user_name') order by seq)
      from bridge_sync_creates s where not exists (select from inserted where id = (s.user_row->>'id')::uuid)), '[]') as taken`
  return result!
}

/** Writes only the changed columns (and takes adopted users over); version + 1. Returns how many rows changed. */
export async function updateUsers(sql: Tx, orgId: string, bridgeId: string, updates: (UserUpdate & { userName: string })[]) {
  if (!updates.length) return 0
  const sets = UPDATABLE.map((c) => {
    const value = c === 'active' ? sql`(v.c->>${c})::boolean` : JSON_COLUMNS.has(c) ? sql`v.c->${c}` : sql`v.c->>${c}`
    return sql`${sql(c)} = case when v.c ? ${c} then ${value} else u.${sql(c)} end,`
  })
  // One jsonb parameter holds the batch (sent as text: the driver would quote a string bound to jsonb).
  const rows = updates.map((u) => ({ id: u.id, adopt: u.adopt, c: columnsOf(u.changes) }))
  // `old` is the row as it was before this statement: the events' `before`.
  const updated = await sql<{ id: string }[]>`
    with updated as (
      update users u set ${sets}
        source = case when v.adopt then 'bridge' else u.source end,
        bridge_id = case when v.adopt then ${bridgeId}::uuid else u.bridge_id end,
        version = u.version + 1, updated_at = now()
      from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as v (id uuid, adopt boolean, c jsonb), users old
      where u.organization_id = ${orgId} and u.id = v.id and old.organization_id = u.organization_id and old.id = u.id
      returning u.id, directory_user(old.*) as before, directory_user(u.*) as view
    ), changed as (insert into staged_changes (type, user_id, data, before) select 'user.updated', id, view, before from updated)
    select id from updated`
  const done = new Set(updated.map((r) => r.id))
  await audit(sql, orgId, bridgeId, updates.filter((u) => done.has(u.id)).map((u) => ({
    id: u.id, userName: u.changes.userName ?? u.userName, status: 200, method: 'PATCH',
    body: u.adopt ? { source: 'bridge', bridgeId, ...u.changes } : u.changes,
  })))
  return updated.length
}

/** Deactivates (never deletes) the listed users that are still active. Returns how many changed. */
export async function deactivateUsers(sql: Tx, orgId: string, bridgeId: string, users: { id: string; userName: string; reason: DeactivationReason }[]) {
  // Only `active` (and the bookkeeping) changes: the view before is the one after, active.
  // Each event says why (the planner knows: gone, disabled, excluded).
  const rows = await sql<{ id: string }[]>`
    with wanted as (
      select * from unnest(${users.map((u) => u.id)}::uuid[], ${users.map((u) => u.reason)}::text[]) as w (id, reason)
    ), deactivated as (
      update users set active = false, version = version + 1, updated_at = now()
      from wanted
      where users.organization_id = ${orgId} and users.id = wanted.id and users.active
      returning users.id, wanted.reason, directory_user(users.*) as view
    ), changed as (
      insert into staged_changes (type, user_id, data, before, reason)
      select 'user.updated', id, view, jsonb_set(view, '{active}', 'true'), reason from deactivated
    )
    select id from deactivated`
  const done = new Set(rows.map((r) => r.id))
  const body = { active: false }
  await audit(sql, orgId, bridgeId, users.filter((u) => done.has(u.id)).map((u) => ({ ...u, status: 200, method: 'PATCH', body })))
  return done.size
}

/**
 * Points manager_id at our user holding the directory's manager id, once it exists (a
 * manager may come on a later page than the user, or in a later sync). Only rows whose
 * answer changed are written. The change was audited with the user's own audit event; it
 * is a directory event of its own (the view's `manager` changes).
 */
export async function resolveManagers(sql: Tx, orgId: string, bridgeId: string): Promise<number> {
  const rows = await sql`
    with resolved as (
      update users u set manager_id = m.id::text, version = u.version + 1, updated_at = now()
      from users m, users old
      where u.organization_id = ${orgId} and u.bridge_id = ${bridgeId} and u.manager_external_id is not null
        and m.organization_id = u.organization_id and m.bridge_id = u.bridge_id and m.external_id = u.manager_external_id
        and u.manager_id is distinct from m.id::text
        and old.organization_id = u.organization_id and old.id = u.id
      returning u.id, directory_user(old.*) as before, directory_user(u.*) as view
    ), changed as (insert into staged_changes (type, user_id, data, before) select 'user.updated', id, view, before from resolved)
    select id from resolved`
  return rows.length
}

type Change = { id: string; userName: string; status: number; method: string; body: unknown }

function toEvent(organizationId: string, bridgeId: string, c: Change): AuditEvent {
  return {
    organizationId, bridgeId, source: 'bridge', method: c.method, path: `/bridges/${bridgeId}/users/${c.id}`,
    status: c.status, requestBody: c.body, userId: c.id, userName: c.userName,
  }
}

function audit(sql: Tx, organizationId: string, bridgeId: string, changes: Change[]): Promise<void> {
  return insertEvents(sql, changes.map((c) => toEvent(organizationId, bridgeId, c)))
}

/** A scim_events row (snake_case keys, for jsonb_populate_record), redacted and checked as insertEvents does. */
function eventRow(organizationId: string, bridgeId: string, c: Change): Record<string, unknown> {
  const event: Record<string, unknown> = toRow(toEvent(organizationId, bridgeId, c))
  const row: Record<string, unknown> = {}
  for (const key in event) {
    let column = COLUMN_OF.get(key)
    if (column === undefined) COLUMN_OF.set(key, (column = key.replace(/[A-Z]/g, (l) => `_${l.toLowerCase()}`)))
    row[column] = event[key]
  }
  return row
}
