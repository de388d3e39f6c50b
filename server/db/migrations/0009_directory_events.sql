-- The directory's change events: an outbox written in the same transaction as each
-- change (server/events/outbox.ts), read as a feed and per user.

-- The directory view of a user and of a group: what events carry and the directory API
-- returns, built by Postgres from the row itself.
create function directory_user(u users) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'id', u.id, 'organizationId', u.organization_id, 'userName', u.user_name, 'externalId', u.external_id,
    'active', u.active,
    'name', jsonb_build_object('givenName', u.name_given_name, 'familyName', u.name_family_name, 'formatted', u.name_formatted),
    'displayName', u.display_name, 'emails', u.emails, 'title', u.title, 'department', u.department,
    'employeeNumber', u.employee_number,
    'manager', case when u.manager_id is null then null else jsonb_build_object('id', u.manager_id) end,
    'source', u.source, 'bridgeId', u.bridge_id,
    'createdAt', u.created_at, 'updatedAt', u.updated_at, 'version', u.version)
$$;

create function directory_group(g groups) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'id', g.id, 'organizationId', g.organization_id, 'displayName', g.display_name, 'externalId', g.external_id,
    'source', 'scim', 'bridgeId', null,
    'memberCount', (select count(*) from group_members m where m.organization_id = g.organization_id and m.group_id = g.id),
    'createdAt', g.created_at, 'updatedAt', g.updated_at, 'version', g.version)
$$;

-- {field: [before, after]} for the fields of a view that differ (bookkeeping aside).
create function directory_changes(before jsonb, after jsonb) returns jsonb language sql immutable as $$
  select coalesce(jsonb_object_agg(k, jsonb_build_array(before -> k, after -> k)), '{}')
  from jsonb_object_keys(after) k
  where k not in ('updatedAt', 'version', 'memberCount') and (before -> k) is distinct from (after -> k)
$$;

-- Per organization, the last sequence number handed out. An append locks the row until
-- its transaction commits, so numbers are handed out in commit order: a reader that
-- has seen number n has seen every number below it.
create table event_sequences (
  organization_id uuid primary key references organizations(id) on delete cascade,
  last_seq        bigint not null
);

create table directory_events (
  organization_id uuid not null references organizations(id) on delete cascade,
  seq             bigint not null,
  type            text not null,
  occurred_at     timestamptz not null default now(),
  -- Who the event is about (no foreign key: a deleted user keeps its history).
  user_id         uuid,
  group_id        uuid,
  source          text not null check (source in ('scim', 'bridge', 'admin')),
  bridge_id       uuid,
  run_id          uuid,
  scim_event_id   bigint,
  data            jsonb not null,
  changes         jsonb,
  primary key (organization_id, seq)
);
-- A user's history, by its id alone (ids are unique across organizations; a deleted user has no row to ask).
create index directory_events_user on directory_events (user_id, seq) where user_id is not null;
create index directory_events_group on directory_events (organization_id, group_id, seq) where group_id is not null;
