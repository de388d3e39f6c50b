-- Groups a bridge pulls from its directory (server/groups/batch.ts): like users, a group
-- records who manages it. A bridge reconciles only its own groups, found by the
-- directory's id; SCIM groups and other bridges' are never touched.
alter table groups add column source text not null default 'scim' check (source in ('scim', 'bridge'));
alter table groups add column bridge_id uuid;
create unique index groups_bridge_external on groups (organization_id, bridge_id, external_id) where bridge_id is not null;

-- `syncGroups: false` turns group sync off for a bridge. Bridges that exist before this
-- migration keep syncing users only: their credentials may lack the group permission,
-- and an upgrade must not start failing their syncs. New bridges sync groups.
alter table bridges add column sync_groups boolean not null default false;
alter table bridges alter column sync_groups set default true;

-- What a sync did to groups and memberships, beside its user counts.
alter table bridge_runs add column groups_created integer not null default 0;
alter table bridge_runs add column groups_updated integer not null default 0;
alter table bridge_runs add column groups_deleted integer not null default 0;
alter table bridge_runs add column memberships_added integer not null default 0;
alter table bridge_runs add column memberships_removed integer not null default 0;

-- The group view now says who manages the group.
create or replace function directory_group(g groups) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'id', g.id, 'organizationId', g.organization_id, 'displayName', g.display_name, 'externalId', g.external_id,
    'source', g.source, 'bridgeId', g.bridge_id,
    'memberCount', (select count(*) from group_members m where m.organization_id = g.organization_id and m.group_id = g.id),
    'createdAt', g.created_at, 'updatedAt', g.updated_at, 'version', g.version)
$$;
