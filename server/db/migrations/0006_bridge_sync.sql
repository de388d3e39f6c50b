-- What the Bridge's sync needs beyond 0004.
-- The directory's manager id, verbatim. manager_id holds OUR id of the manager once that
-- user exists here; comparing this column instead keeps a re-sync of an unchanged
-- directory write-free even when the manager is not (yet, or ever) one of our users.
alter table users add column manager_external_id text;

-- Users the planner refused to touch (a hand-made account, another bridge's user, an
-- identity mismatch): counted, and the first ones kept, so an admin can resolve them.
alter table bridge_runs add column conflicts integer not null default 0;
alter table bridge_runs add column conflict_samples jsonb not null default '[]';
