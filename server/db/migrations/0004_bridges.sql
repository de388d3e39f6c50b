-- Pull-based directory syncs. Each bridge is one Temporal workflow, bridge-<id>.
create table bridges (
  organization_id      uuid not null references organizations(id) on delete cascade,
  id                   uuid not null default gen_random_uuid(),
  provider             text not null check (provider in ('scim', 'microsoft-entra', 'google-workspace', 'okta')),
  -- Provider settings, AES-256-GCM encrypted with the key from the environment.
  settings_encrypted   text not null,
  interval_seconds     integer not null check (interval_seconds > 0),
  excluded_emails      text[] not null default '{}',
  retry                jsonb not null default '{}',
  max_deactivation_ratio real not null default 0.2 check (max_deactivation_ratio between 0 and 1),
  state                text not null default 'pending'
                       check (state in ('pending', 'syncing', 'active', 'failed', 'disabled', 'paused')),
  consecutive_failures integer not null default 0,
  last_sync_at         timestamptz,
  next_sync_at         timestamptz,
  last_error           text,
  created_at           timestamptz not null default now(),
  updated_at           timestamptz not null default now(),
  primary key (organization_id, id),
  unique (id)
);
create index bridges_state on bridges (organization_id, state);

create table bridge_runs (
  organization_id uuid not null,
  id              uuid not null default gen_random_uuid(),
  bridge_id       uuid not null,
  attempt         integer not null default 1,
  started_at      timestamptz not null default now(),
  finished_at     timestamptz,
  outcome         text not null default 'running' check (outcome in ('running', 'succeeded', 'failed', 'cancelled')),
  created         integer not null default 0,
  updated         integer not null default 0,
  deactivated     integer not null default 0,
  unchanged       integer not null default 0,
  excluded        integer not null default 0,
  error           text,
  primary key (organization_id, id),
  foreign key (organization_id, bridge_id) references bridges (organization_id, id) on delete cascade
);
create index bridge_runs_recent on bridge_runs (organization_id, bridge_id, started_at desc);
