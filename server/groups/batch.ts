// Set-based group writes for the Bridge, as server/users/batch.ts is for users: the
// directory's groups and memberships reconciled against this bridge's own groups (found
// by the directory's id), never another source's. A sync stages what the directory says
// (its groups, and its memberships by the directory's ids) in temporary tables, then
// applies the difference in a few statements, or, previewing, only counts it. Every
// change is staged with its view for the sync's events.
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
  await sql`create temporary table bridge_sync_groups (external_id text primary key, display_name text not null) on commit drop`
  await sql`
    create temporary table bridge_sync_members (group_external_id text not null, external_id text not null, primary key (group_external_id, external_id))
    on commit drop`
}

/** One page of the directory's groups, as it lists them. */
export async function stageGroups(sql: Tx, groups: DirectoryGroup[]): Promise<void> {
  if (!groups.length) return
  const rows = JSON.stringify(groups.map((g) => ({ external_id: g.externalId, display_name: g.displayName })))
  await sql`
    insert into bridge_sync_groups select external_id, display_name
    from jsonb_to_recordset(${rows}::text::jsonb) as d (external_id text, display_name text)
    on conflict do nothing`
}

/**
 * Members of a group, by the directory's ids. They are matched to users once, at the end:
 * the sync's own new users are not in the planner's statistics yet, and a lookup per group
 * could scan them all, group after group (400 s for 5,000 groups, measured).
 */
export async function stageMembers(sql: Tx, groupExternalId: string, userExternalIds: string[]): Promise<void> {
  if (!userExternalIds.length) return
  await sql`
    insert into bridge_sync_members (group_external_id, external_id)
    select ${groupExternalId}, x from unnest(${userExternalIds}::text[]) x
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
 * Applies what was staged: creates and renames this bridge's groups, deletes those the
 * directory no longer lists (their memberships go with them), then removes and adds
 * memberships of the users this bridge provisioned (the others, excluded or never
 * provisioned, are skipped).
 */
export async function applyGroups(sql: Tx, orgId: string, bridgeId: string): Promise<GroupCounts> {
  // Temporary tables have no statistics, and the users this transaction created are not in
  // users' yet: without them the planner joins 500,000 memberships by nested loops.
  await sql`analyze bridge_sync_groups`
  await sql`analyze bridge_sync_members`
  await sql`analyze users`
  const [upserted] = await sql<{ updated: number; created: number }[]>`
    with renamed as (
      update groups g set display_name = s.display_name, version = g.version + 1, updated_at = now()
      from bridge_sync_groups s, groups old
      where g.organization_id = ${orgId} and g.bridge_id = ${bridgeId} and g.external_id = s.external_id
        and g.display_name is distinct from s.display_name and old.organization_id = g.organization_id and old.id = g.id
      returning g.id, directory_group(old.*) as before, directory_group(g.*) as view
    ), inserted as (
      insert into groups (organization_id, external_id, display_name, source, bridge_id)
      select ${orgId}, s.external_id, s.display_name, 'bridge', ${bridgeId} from bridge_sync_groups s
      on conflict (organization_id, bridge_id, external_id) where bridge_id is not null do nothing
      returning id
    ), staged as (
      insert into staged_changes (type, group_id, data, before)
      select 'group.updated', id, view, before from renamed
      union all select 'group.created', id, null, null from inserted
    )
    select (select count(*) from renamed)::int as updated, (select count(*) from inserted)::int as created`
  const [deleted] = await sql<{ n: number }[]>`
    with deleted as (
      delete from groups g
      where g.organization_id = ${orgId} and g.bridge_id = ${bridgeId}
        and not exists (select 1 from bridge_sync_groups s where s.external_id = g.external_id)
      returning g.id, directory_group(g.*) as view
    ), staged as (insert into staged_changes (type, group_id, data) select 'group.deleted', id, view from deleted)
    select count(*)::int as n from deleted`
  // The memberships wanted: one join, and statistics for the two statements that follow.
  await sql`
    create temporary table bridge_sync_desired on commit drop as
    select g.id as group_id, u.id as user_id from bridge_sync_members m
    join groups g on g.organization_id = ${orgId} and g.bridge_id = ${bridgeId} and g.external_id = m.group_external_id
    join users u on u.organization_id = ${orgId} and u.bridge_id = ${bridgeId} and u.external_id = m.external_id`
  await sql`analyze bridge_sync_desired`
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
  return { groupsCreated: upserted!.created, groupsUpdated: upserted!.updated, groupsDeleted: deleted!.n, membershipsAdded: added!.n, membershipsRemoved: removed!.n }
}

/**
 * What applyGroups would do, counted and not done. The users the sync would create are the
 * staged creates (server/users/batch.ts stageCreates), known by the directory's id.
 */
export async function countGroupChanges(sql: Tx, orgId: string, bridgeId: string): Promise<GroupCounts> {
  const [row] = await sql<GroupCounts[]>`
    with ours as (
      select id, external_id, display_name from groups where organization_id = ${orgId} and bridge_id = ${bridgeId}
    ), known as (
      select external_id, id::text as member from users where organization_id = ${orgId} and bridge_id = ${bridgeId} and external_id is not null
      union all select user_row->>'external_id', 'new:' || (user_row->>'external_id') from bridge_sync_creates
    ), desired as (
      select m.group_external_id, k.member from bridge_sync_members m join known k on k.external_id = m.external_id
    ), existing as (
      select o.external_id as group_external_id, gm.user_id::text as member
      from group_members gm join ours o on gm.organization_id = ${orgId} and gm.group_id = o.id
      where exists (select 1 from bridge_sync_groups s where s.external_id = o.external_id)
    )
    select
      (select count(*) from bridge_sync_groups s where not exists (select 1 from ours o where o.external_id = s.external_id))::int as groups_created,
      (select count(*) from bridge_sync_groups s join ours o on o.external_id = s.external_id where o.display_name is distinct from s.display_name)::int as groups_updated,
      (select count(*) from ours o where not exists (select 1 from bridge_sync_groups s where s.external_id = o.external_id))::int as groups_deleted,
      (select count(*) from (select * from desired except select * from existing) a)::int as memberships_added,
      (select count(*) from (select * from existing except select * from desired) r)::int as memberships_removed`
  return row!
}
