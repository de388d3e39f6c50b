-- The directory read API (server/directory/reads.ts): every filter and every page an
-- index range, so a list costs about the page it returns, not the organization's size.
-- Lists are ordered by id (by updated_at, id with updatedSince) and keyset-paged: an
-- index on the filter's column followed by the order's serves both at once.

-- active=false, in id order. Inactive users are the few, so a partial index (and no cost
-- to a bridge creating 100,000 active users); active=true reads the primary key in id
-- order, filtered. (A full (active, id) index cost the initial sync ~10%, measured.)
create index users_inactive on users (organization_id, id) where not active;
-- source=scim|bridge|manual, in id order.
create index users_source on users (organization_id, source, id);

-- bridgeId, in id order. Replaces 0002's (organization_id, bridge_id) rather than adding
-- a second index: it serves the same lookups (the bridge sync's, by bridge).
drop index users_bridge;
create index users_bridge on users (organization_id, bridge_id, id) where bridge_id is not null;

-- updatedSince: an incremental sync pages by update time.
create index users_updated on users (organization_id, updated_at, id);

-- q, a case-insensitive prefix of the userName, email or displayName (a group's
-- displayName). Compared under collate "C", byte order, the strings that start with p
-- are one range, `>= p and < p || chr(1114111)`, whatever the database's collation,
-- and a range on a parameter is an index condition even in a generic plan (LIKE 'p%'
-- is one only when p is a literal). Not partial: ANALYZE keeps statistics of a full
-- index's expression, so the planner estimates how many users a prefix matches and
-- chooses between this range and walking the id order.
create index users_user_name_prefix on users (organization_id, (lower(user_name) collate "C"));
create index users_email_prefix on users (organization_id, (lower(email) collate "C"));
create index users_display_name_prefix on users (organization_id, (lower(display_name) collate "C"));
create index groups_display_name_prefix on groups (organization_id, (lower(display_name) collate "C"));
