// Set-based group writes for the Bridge, as server/users/batch.ts is for users: the
// directory's groups and memberships reconciled against this bridge's own groups (found
// by the directory's id), never another source's. A sync stages what the directory says
// (the groups it lists, the memberships of its users), then applies the difference in a
// few statements; every change is staged with its view for the sync's events.
import type { DirectoryGroup } from '../../bridge/directory'
import type { Tx } from '../db/client'

export interface GroupCounts {
  groupsCreated: number
  groupsUpdated: number
  groupsDeleted: number
  membershipsAdded: number
  membershipsRemoved: number
}

export async function beginGroupStaging(sql: Tx): Promise<void> {
  await sql`create temporary table bridge_sync_groups (external_id text primary key) on commit drop`
  await sql`create temporary table bridge_sync_members (group_id uuid not null, external_id text not null, primary key (group_id, external_id)) on commit drop`
}

/**
 * One page of the directory's groups: records them as seen, renames and creates this
 * bridge's groups to match. Returns our id of each, by the directory's.
 */
export async function upsertGroups(sql: Tx, orgId: string, bridgeId: string, groups: DirectoryGroup[]) {
  const rows = JSON.stringify(groups.map((g) => ({ external_id: g.externalId, display_name: g.displayName })))
  const page = sql`(select * from jsonb_to_recordset(${rows}::text::jsonb) as d (external_id text, display_name text))`
  const [counts] = await sql<{ updated: number; created: number }[]>`
    with seen as (insert into bridge_sync_groups select external_id from ${page} d on conflict do nothing
    ), renamed as (
      update groups g set display_name = d.display_name, version = g.version + 1, updated_at = now()
      from ${page} d, groups old
      where g.organization_id = ${orgId} and g.bridge_id = ${bridgeId} and g.external_id = d.external_id
        and g.display_name is distinct from d.display_name and old.organization_id = g.organization_id and old.id = g.id
      returning g.id, directory_group(old.*) as before, directory_group(g.*) as view
    ), inserted as (
      insert into groups (organization_id, external_id, display_name, source, bridge_id)
      select ${orgId}, d.external_id, d.display_name, 'bridge', ${bridgeId} from ${page} d
      on conflict (organization_id, bridge_id, external_id) where bridge_id is not null do nothing
      returning id
    ), staged as (
      insert into staged_changes (type, group_id, data, before)
      select 'group.updated', id, view, before from renamed
      union all select 'group.created', id, null, null from inserted
    )
    select (select count(*) from renamed)::int as updated, (select count(*) from inserted)::int as created`
  const ids = await sql<{ id: string; externalId: string }[]>`
    select id, external_id from groups
    where organization_id = ${orgId} and bridge_id = ${bridgeId} and external_id = any(${groups.map((g) => g.externalId)}::text[])`
  return { ids: new Map(ids.map((r) => [r.externalId, r.id])), created: counts!.created, updated: counts!.updated }
}

/**
 * Members of a group, by the directory's user ids, as the directory says them. They are
 * matched to users once, in applyGroups: the sync's own new users are not in the planner's
 * statistics yet, and a lookup per group could scan them all, group after group.
 */
export async function stageMembers(sql: Tx, groupId: string, userExternalIds: string[]): Promise<void> {
  if (!userExternalIds.length) return
  await sql`
    insert into bridge_sync_members (group_id, external_id)
    select ${groupId}, x from unnest(${userExternalIds}::text[]) x
    on conflict do nothing`
}

/** How many of this bridge's groups the directory no longer lists, of how many: the deletion guard's input. */
export async function groupsToDelete(sql: Tx, orgId: string, bridgeId: string): Promise<{ managed: number; toDelete: number }> {
  const [row] = await sql<{ managed: number; toDelete: number }[]>`
    select count(*)::int as managed, count(*) filter (where not exists (select 1 from bridge_sync_groups s where s.external_id = g.external_id))::int as to_delete
    from groups g where g.organization_id = ${orgId} and g.bridge_id = ${bridgeId}`
  return row!
}

/**
 * Applies what was staged: deletes this bridge's groups the directory no longer lists
 * (their memberships go with them), removes the memberships it no longer lists, adds the new ones.
 */
export async function applyGroups(sql: Tx, orgId: string, bridgeId: string): Promise<Pick<GroupCounts, 'groupsDeleted' | 'membershipsAdded' | 'membershipsRemoved'>> {
  // The memberships the directory wants, of the users this bridge provisioned (the others,
  // excluded or never provisioned, are skipped): one join, and statistics for what follows.
  await sql`
    create temporary table bridge_sync_desired on commit drop as
    select m.group_id, u.id as user_id from bridge_sync_members m
    join users u on u.organization_id = ${orgId} and u.bridge_id = ${bridgeId} and u.external_id = m.external_id`
  await sql`analyze bridge_sync_desired`
  const [deleted] = await sql<{ n: number }[]>`
    with deleted as (
      delete from groups g
      where g.organization_id = ${orgId} and g.bridge_id = ${bridgeId}
        and not exists (select 1 from bridge_sync_groups s where s.external_id = g.external_id)
      returning g.id, directory_group(g.*) as view
    ), staged as (insert into staged_changes (type, group_id, data) select 'group.deleted', id, view from deleted)
    select count(*)::int as n from deleted`
  const [removed] = await sql<{ n: number }[]>`
    with removed as (
      delete from group_members gm using groups g
      where g.organization_id = ${orgId} and g.bridge_id = ${bridgeId} and gm.organization_id = g.organization_id and gm.group_id = g.id
        and not exists (select 1 from bridge_sync_desired d where d.group_id = gm.group_id and d.user_id = gm.user_id)
      returning gm.group_id, gm.user_id
    ), staged as (
      insert into staged_changes (type, group_id, user_id, data)
      select 'group.member_removed', group_id, user_id, jsonb_build_object('groupId', group_id, 'userId', user_id) from removed
    )
    select count(*)::int as n from removed`
  const [added] = await sql<{ n: number }[]>`
    with added as (
      insert into group_members (organization_id, group_id, user_id)
      select ${orgId}, d.group_id, d.user_id from bridge_sync_desired d
      on conflict do nothing
      returning group_id, user_id
    ), staged as (
      insert into staged_changes (type, group_id, user_id, data)
      select 'group.member_added', group_id, user_id, jsonb_build_object('groupId', group_id, 'userId', user_id) from added
    )
    select count(*)::int as n from added`
  return { groupsDeleted: deleted!.n, membershipsRemoved: removed!.n, membershipsAdded: added!.n }
}
