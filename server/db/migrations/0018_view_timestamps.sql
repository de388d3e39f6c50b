-- The directory views (the directory API, event data, webhooks) wrote their timestamps as
-- Postgres renders a timestamptz in JSON ("2026-12-06T08:47:51.356648+00:00") while every
-- other answer of the API, and an event's own occurredAt, is JavaScript's ISO form
-- ("2026-12-06T08:47:51.356Z"). One form everywhere: UTC, milliseconds, Z. Events already
-- stored keep theirs (both are ISO 8601).
create function api_time(t timestamptz) returns text language sql immutable as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

create or replace function directory_user(u users) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'id', u.id, 'organizationId', u.organization_id, 'userName', u.user_name, 'externalId', u.external_id,
    'active', u.active,
    'name', jsonb_build_object('givenName', u.name_given_name, 'familyName', u.name_family_name, 'formatted', u.name_formatted),
    'displayName', u.display_name, 'emails', u.emails, 'title', u.title, 'department', u.department,
    'employeeNumber', u.employee_number,
    'manager', case when u.manager_id is null then null else jsonb_build_object('id', u.manager_id) end,
    'source', u.source, 'bridgeId', u.bridge_id,
    'createdAt', api_time(u.created_at), 'updatedAt', api_time(u.updated_at), 'version', u.version)
$$;

create or replace function directory_group(g groups) returns jsonb language sql stable as $$
  select jsonb_build_object(
    'id', g.id, 'organizationId', g.organization_id, 'displayName', g.display_name, 'externalId', g.external_id,
    'source', g.source, 'bridgeId', g.bridge_id,
    'memberCount', (select count(*) from group_members m where m.organization_id = g.organization_id and m.group_id = g.id),
    'createdAt', api_time(g.created_at), 'updatedAt', api_time(g.updated_at), 'version', g.version)
$$;
