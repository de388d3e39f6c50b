// Set-based user writes for the Bridge: one statement per batch, never a query per user,
// and every change audited (source 'bridge') in the caller's transaction. The row mapping
// is the store's (userColumns: the schema's columns and the email rule); this file only
// says which columns a directory field owns, so an update touches nothing else (an
// adopted user keeps the phone numbers SCIM gave it).
import type { DirectoryUser } from '../../activities/connectors/types'
import type { StoredUser, UserUpdate } from '../../activities/reconcile/plan'
import { type AuditEvent, insertEvents } from '../audit'
import type { Tx } from '../db/client'
import { ENTERPRISE_SCHEMA } from '../scim/schema'
import type { ScimObject } from '../scim/schema/validate'
import { emailOf, userColumns } from './model'
import { deactivateUsers as deactivateStored } from './store'

type Field = keyof DirectoryUser

/**
 * The columns each directory field writes. The manager is stored as the directory's id
 * (compared on the next sync) and resolved to our user id by `resolveManagers`.
 */
const FIELD_COLUMNS: Record<Field, string[]> = {
  externalId: ['external_id'],
  userName: ['user_name'],
  email: ['email', 'emails'],
  givenName: ['name_given_name'],
  familyName: ['name_family_name'],
  displayName: ['display_name'],
  active: ['active'],
  title: ['title'],
  department: ['department'],
  employeeNumber: ['employee_number'],
  managerExternalId: ['manager_external_id', 'manager_id'],
}
const JSON_COLUMNS = new Set(['emails'])

/** A directory user as a SCIM User: what the store's mapping reads. */
function toResource(user: Partial<DirectoryUser>): ScimObject {
  return {
    externalId: user.externalId,
    userName: user.userName,
    displayName: user.displayName,
    title: user.title,
    active: user.active,
    name: { givenName: user.givenName, familyName: user.familyName },
    emails: user.email ? [{ value: user.email, type: 'work', primary: true }] : [],
    [ENTERPRISE_SCHEMA]: { employeeNumber: user.employeeNumber, department: user.department },
  }
}

/** The column values of the given fields (manager_id is left for resolveManagers). */
function columnsOf(user: Partial<DirectoryUser>): Record<string, unknown> {
  const all: Record<string, unknown> = { ...userColumns(toResource(user)), manager_external_id: user.managerExternalId ?? null, manager_id: null }
  const out: Record<string, unknown> = {}
  for (const field of Object.keys(user) as Field[]) for (const column of FIELD_COLUMNS[field] ?? []) out[column] = all[column]
  return out
}

/** The directory user with the store's email rule applied, so stored and directory values compare equal. */
export function withStoreEmail(user: DirectoryUser): DirectoryUser {
  return { ...user, email: emailOf(toResource(user)) }
}

const STORED = (sql: Tx) => sql`
  id, external_id, user_name, email, name_given_name as given_name, name_family_name as family_name, display_name,
  active, title, department, employee_number, manager_external_id, source, bridge_id`

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

/** This bridge's active users: the candidates for deactivation once the whole directory was seen. */
export function loadActiveManaged(sql: Tx, orgId: string, bridgeId: string) {
  return sql<{ id: string; externalId: string | null; userName: string; active: boolean }[]>`
    select id, external_id, user_name, active from users
    where organization_id = ${orgId} and bridge_id = ${bridgeId} and source = 'bridge' and active`
}

/**
 * Creates wait in a temporary table until the end of the sync's transaction. Matching
 * reads `users` page after page; rows inserted there by the same transaction are invisible
 * to the planner's statistics, so a new organization filling up would be scanned whole for
 * every page (quadratic). Staged, the creates leave `users` as the statistics know it.
 */
export async function beginStaging(sql: Tx): Promise<void> {
  await sql`create temporary table bridge_sync_creates (seq serial primary key, directory_user jsonb not null) on commit drop`
}

export async function stageCreates(sql: Tx, users: DirectoryUser[]): Promise<void> {
  if (users.length) await sql`insert into bridge_sync_creates (directory_user) select jsonb_array_elements(${JSON.stringify(users)}::text::jsonb)`
}

const CREATE_CHUNK = 1000

/**
 * Creates the staged users as this bridge's, a chunk at a time: one jsonb parameter per
 * chunk, spread over the columns by jsonb_populate_recordset (binding 40 parameters a row
 * costs more than the insert). A userName taken meanwhile (a concurrent SCIM create) is
 * skipped: `taken` lists those.
 */
export async function createStagedUsers(sql: Tx, orgId: string, bridgeId: string) {
  let created = 0
  const taken: DirectoryUser[] = []
  for (;;) {
    const chunk = await sql<{ directoryUser: DirectoryUser }[]>`
      delete from bridge_sync_creates where seq in (select seq from bridge_sync_creates order by seq limit ${CREATE_CHUNK})
      returning directory_user`
    if (!chunk.length) return { created, taken }
    const users = chunk.map((c) => c.directoryUser)
    const rows = users.map((u) => ({ ...userColumns(toResource(u)), ...columnsOf(u), organization_id: orgId, source: 'bridge', bridge_id: bridgeId }))
    const columns = Object.keys(rows[0]!)
    const inserted = await sql<{ id: string; userName: string; externalId: string }[]>`
      insert into users (${sql(columns)})
      select ${sql(columns)} from jsonb_populate_recordset(null::users, ${JSON.stringify(rows)}::text::jsonb)
      on conflict do nothing returning id, user_name, external_id`
    const byExternalId = new Map(users.map((u) => [u.externalId, u]))
    await audit(sql, orgId, bridgeId, inserted.map((c) => ({ id: c.id, userName: c.userName, status: 201, method: 'POST', body: byExternalId.get(c.externalId) })))
    const done = new Set(inserted.map((c) => c.externalId))
    taken.push(...users.filter((u) => !done.has(u.externalId)))
    created += inserted.length
  }
}

const UPDATABLE = [...new Set(Object.values(FIELD_COLUMNS).flat())]

/** Writes only the changed columns (and takes adopted users over); version + 1. Returns how many rows changed. */
export async function updateUsers(sql: Tx, orgId: string, bridgeId: string, updates: (UserUpdate & { userName: string })[]) {
  if (!updates.length) return 0
  const sets = UPDATABLE.map((c) => {
    const value = c === 'active' ? sql`(v.c->>${c})::boolean` : JSON_COLUMNS.has(c) ? sql`v.c->${c}` : sql`v.c->>${c}`
    return sql`${sql(c)} = case when v.c ? ${c} then ${value} else u.${sql(c)} end,`
  })
  // One jsonb parameter holds the batch (sent as text: the driver would quote a string bound to jsonb).
  const rows = updates.map((u) => ({ id: u.id, adopt: u.adopt, c: columnsOf(u.changes) }))
  const updated = await sql<{ id: string }[]>`
    update users u set ${sets}
      source = case when v.adopt then 'bridge' else u.source end,
      bridge_id = case when v.adopt then ${bridgeId}::uuid else u.bridge_id end,
      version = u.version + 1, updated_at = now()
    from jsonb_to_recordset(${JSON.stringify(rows)}::text::jsonb) as v (id uuid, adopt boolean, c jsonb)
    where u.organization_id = ${orgId} and u.id = v.id
    returning u.id`
  const done = new Set(updated.map((r) => r.id))
  await audit(sql, orgId, bridgeId, updates.filter((u) => done.has(u.id)).map((u) => ({
    id: u.id, userName: u.changes.userName ?? u.userName, status: 200, method: 'PATCH',
    body: u.adopt ? { source: 'bridge', bridgeId, ...u.changes } : u.changes,
  })))
  return updated.length
}

/** Deactivates (never deletes) the listed users that are still active. Returns how many changed. */
export async function deactivateUsers(sql: Tx, orgId: string, bridgeId: string, users: { id: string; userName: string }[]) {
  const done = new Set(await deactivateStored(sql, orgId, users.map((u) => u.id)))
  const body = { active: false }
  await audit(sql, orgId, bridgeId, users.filter((u) => done.has(u.id)).map((u) => ({ ...u, status: 200, method: 'PATCH', body })))
  return done.size
}

/**
 * Points manager_id at our user holding the directory's manager id, once it exists (a
 * manager may come on a later page than the user, or in a later sync). Only rows whose
 * answer changed are written. The change itself was audited with the user's own event.
 */
export async function resolveManagers(sql: Tx, orgId: string, bridgeId: string): Promise<number> {
  const rows = await sql`
    update users u set manager_id = m.id::text, version = u.version + 1, updated_at = now()
    from users m
    where u.organization_id = ${orgId} and u.bridge_id = ${bridgeId} and u.manager_external_id is not null
      and m.organization_id = u.organization_id and m.bridge_id = u.bridge_id and m.external_id = u.manager_external_id
      and u.manager_id is distinct from m.id::text
    returning u.id`
  return rows.length
}

type Change = { id: string; userName: string; status: number; method: string; body: unknown }

function audit(sql: Tx, organizationId: string, bridgeId: string, changes: Change[]): Promise<void> {
  const events: AuditEvent[] = changes.map((c) => ({
    organizationId, bridgeId, source: 'bridge', method: c.method, path: `/bridges/${bridgeId}/users/${c.id}`,
    status: c.status, requestBody: c.body, userId: c.id, userName: c.userName,
  }))
  return insertEvents(sql, events)
}
