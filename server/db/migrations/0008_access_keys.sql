-- Named access keys for the admin API (ADMIN_TOKEN stays the root credential). A key
-- bound to an organization goes with it; an unbound key (organization_id null) spans all.
create table access_keys (
  id              uuid primary key default gen_random_uuid(),
  organization_id uuid references organizations(id) on delete cascade,
  name            text not null check (length(name) between 1 and 200),
  scopes          text[] not null
                  check (cardinality(scopes) > 0 and scopes <@ array['admin', 'directory:read', 'events:read', 'webhooks:write']),
  -- SHA-256 of the key; the key itself is shown once at creation and never stored.
  key_hash        bytea not null,
  created_at      timestamptz not null default now(),
  -- Written at most about once a minute per key (server/access-keys/store.ts).
  last_used_at    timestamptz
);
create unique index access_keys_key_hash on access_keys (key_hash);
create index access_keys_organization on access_keys (organization_id);
