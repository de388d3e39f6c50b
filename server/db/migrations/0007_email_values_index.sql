-- Filters on a user's email addresses (`emails.value eq "x"`, Entra's
-- `emails[type eq "work"].value eq "x"`, `emails[type eq "work" and value eq "x"]`)
-- look inside the emails jsonb array, which no btree can serve: without this index
-- each such request scans the organization's every row. The filter compiler adds
-- `id = any(array(select id from users where scim_lower_values(emails) @> array[lower(<value>)]))`
-- next to the exact condition, so this GIN index finds the few candidate rows first.
-- fastupdate off: a search would otherwise scan every insert not yet merged (the
-- pending list), which costs more than the merge each insert now does.
create function scim_lower_values(items jsonb) returns text[]
  language sql immutable strict parallel safe
  as $$ select coalesce(array_agg(lower(e->>'value')), '{}') from jsonb_array_elements(items) e $$;

create index users_emails_values on users using gin (scim_lower_values(emails)) with (fastupdate = off);
