-- A bridge's name, for people ("deactivated by bridge Okta-prod"). Optional: without one,
-- the console names a bridge by its provider. A nullable column without a default: no
-- table rewrite.
alter table bridges add column name text check (char_length(name) between 1 and 200);
