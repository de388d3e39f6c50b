-- Console sessions (server/sessions): the cookie carries a random token, signed with a key
-- derived from ADMIN_TOKEN; only its SHA-256 is stored. A session of an access key ends
-- with the key (cascade); logout deletes the row; a new ADMIN_TOKEN breaks every signature.
create table console_sessions (
  token_hash     bytea primary key,
  access_key_id  uuid references access_keys(id) on delete cascade,
  created_at     timestamptz not null default now(),
  expires_at     timestamptz not null
);
create index console_sessions_expiry on console_sessions (expires_at);
