-- The user store shared by SCIM and the Bridge (server/users writes it).
-- Singular attributes are columns (indexable, filterable); multi-valued complex
-- attributes are jsonb arrays of RFC 7643 sub-objects.
create table users (
  organization_id    uuid not null references organizations(id) on delete cascade,
  id                 uuid not null default gen_random_uuid(),
  external_id        text,
  user_name          text not null,
  display_name       text,
  nick_name          text,
  profile_url        text,
  title              text,
  user_type          text,
  preferred_language text,
  locale             text,
  timezone           text,
  active             boolean not null default true,
  name_formatted         text,
  name_family_name       text,
  name_given_name        text,
  name_middle_name       text,
  name_honorific_prefix  text,
  name_honorific_suffix  text,
  -- Primary (else first) email, lower-cased: the Bridge matches on it.
  email              text,
  emails             jsonb not null default '[]',
  phone_numbers      jsonb not null default '[]',
  addresses          jsonb not null default '[]',
  ims                jsonb not null default '[]',
  photos             jsonb not null default '[]',
  entitlements       jsonb not null default '[]',
  roles              jsonb not null default '[]',
  x509_certificates  jsonb not null default '[]',
  -- Enterprise extension
  employee_number    text,
  cost_center        text,
  organization       text,
  division           text,
  department         text,
  manager_id         text,
  -- Who manages this user: 'scim', 'bridge' or 'manual'; bridge_id when 'bridge'.
  source             text not null default 'scim' check (source in ('scim', 'bridge', 'manual')),
  bridge_id          uuid,
  version            integer not null default 1,
  created_at         timestamptz not null default now(),
  updated_at         timestamptz not null default now(),
  primary key (organization_id, id),
  unique (id)
);
create unique index users_user_name on users (organization_id, lower(user_name));
create index users_external_id on users (organization_id, external_id) where external_id is not null;
create index users_email on users (organization_id, email) where email is not null;
create index users_bridge on users (organization_id, bridge_id) where bridge_id is not null;
create index users_created on users (organization_id, created_at, id);

create table groups (
  organization_id uuid not null references organizations(id) on delete cascade,
  id              uuid not null default gen_random_uuid(),
  external_id     text,
  display_name    text not null,
  version         integer not null default 1,
  created_at      timestamptz not null default now(),
  updated_at      timestamptz not null default now(),
  primary key (organization_id, id),
  unique (id)
);
create index groups_display_name on groups (organization_id, lower(display_name));
create index groups_external_id on groups (organization_id, external_id) where external_id is not null;
create index groups_created on groups (organization_id, created_at, id);

create table group_members (
  organization_id uuid not null,
  group_id        uuid not null,
  user_id         uuid not null,
  primary key (organization_id, group_id, user_id),
  foreign key (organization_id, group_id) references groups (organization_id, id) on delete cascade,
  foreign key (organization_id, user_id) references users (organization_id, id) on delete cascade
);
create index group_members_user on group_members (organization_id, user_id);
