-- Webhook endpoints: each receives its organization's directory events, in order, from
-- its own workflow (workflows/webhook.ts). `cursor_seq` is the last event handled (sent,
-- or skipped by the endpoint's event types); `state`, `consecutive_failures` and
-- `last_error` are the workflow's view, written by its activities.
create table webhook_endpoints (
  organization_id      uuid not null references organizations(id) on delete cascade,
  id                   uuid primary key default gen_random_uuid(),
  url                  text not null,
  event_types          text[],
  description          text,
  -- whsec_ + base64, sealed with SECRETS_KEY (bound to the endpoint id).
  secret_encrypted     text not null,
  state                text not null default 'active' check (state in ('active', 'paused', 'disabled')),
  consecutive_failures integer not null default 0,
  last_error           text,
  retry                jsonb not null default '{}',
  cursor_seq           bigint not null,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now()
);
create index webhook_endpoints_organization on webhook_endpoints (organization_id, created_at, id);

-- Every attempt to deliver an event (or a test ping), newest first per endpoint.
create table webhook_deliveries (
  endpoint_id     uuid not null references webhook_endpoints(id) on delete cascade,
  id              bigint generated always as identity,
  event_id        text not null,
  event_type      text not null,
  attempt         integer not null,
  ok              boolean not null,
  response_status integer,
  latency_ms      real not null,
  -- The first bytes of the answer, or why there was none.
  response_excerpt text,
  error           text,
  created_at      timestamptz not null default now(),
  primary key (endpoint_id, id)
);
