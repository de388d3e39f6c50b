-- The directory views (the directory API, event data, webhooks) wrote their timestamps as
-- Postgres renders a timestamptz in JSON ("2026-12-06T08:47:51.356648+00:00") while every
-- other answer of the API, and an event's own occurredAt, is JavaScript's ISO form
-- ("2026-12-06T08:47:51.356Z"). One form everywhere: UTC, milliseconds, Z. Events already
-- stored keep theirs (both are ISO 8601). The views keep their fields (0009, 0012) and
-- get their two times over them.
create function api_time(t timestamptz) returns text language sql immutable as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

alter function directory_user(users) rename to directory_user_fields;
create function directory_user(u users) returns jsonb language sql stable as $$
  select directory_user_fields(u) || jsonb_build_object('createdAt', api_time(u.created_at), 'updatedAt', api_time(u.updated_at))
$$;

alter function directory_group(groups) rename to directory_group_fields;
create function directory_group(g groups) returns jsonb language sql stable as $$
  select directory_group_fields(g) || jsonb_build_object('createdAt', api_time(g.created_at), 'updatedAt', api_time(g.updated_at))
$$;
