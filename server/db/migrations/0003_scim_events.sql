-- Append-only audit log of every SCIM request and every Bridge change.
create table scim_events (
  organization_id       uuid not null references organizations(id) on delete cascade,
  id                    bigint generated always as identity,
  scim_configuration_id uuid,
  bridge_id             uuid,
  source                text not null default 'scim' check (source in ('scim', 'bridge')),
  method                text not null,
  path                  text not null,
  status                integer not null,
  request_body          text,
  response_body         text,
  error                 text,
  user_id               uuid,
  user_name             text,
  ip                    text,
  user_agent            text,
  duration_ms           real,
  created_at            timestamptz not null default now(),
  primary key (organization_id, id)
);
create index scim_events_recent on scim_events (organization_id, created_at desc, id desc);
create index scim_events_user_name on scim_events (organization_id, lower(user_name), created_at desc) where user_name is not null;
-- Retention pruning scans by time across organizations.
create index scim_events_created on scim_events (created_at);
