-- Why a bridge deactivated a user, on its user.deactivated event: the directory no longer
-- lists them, has them disabled, or they are in the bridge's excluded emails. An admin
-- reading a user's history needs the difference (a deleted account or a suspension).
-- Null for every other event. A nullable column without a default: no table rewrite.
alter table directory_events add column reason text check (reason in ('missing', 'disabled', 'excluded'));
