-- Tenants and their SCIM configuration (one per organization).
create table organizations (
  id          uuid primary key default gen_random_uuid(),
  name        text not null check (length(name) between 1 and 200),
  created_at  timestamptz not null default now()
);

create table scim_configurations (
  organization_id uuid not null references organizations(id) on delete cascade,
  id              uuid not null default gen_random_uuid(),
  -- SHA-256 of the bearer token; the token itself is never stored.
  token_hash      bytea not null,
  created_at      timestamptz not null default now(),
  rotated_at      timestamptz,
  primary key (organization_id, id),
  unique (id)
);
-- One configuration per organization; token lookup is by hash.
create unique index scim_configurations_one_per_org on scim_configurations (organization_id);
create unique index scim_configurations_token_hash on scim_configurations (token_hash);
