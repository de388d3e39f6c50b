-- Counters for /metrics (server/metrics/database.ts), kept as the rows they count are
-- written, so a scrape reads a few rows instead of counting bridge_runs and
-- webhook_deliveries (which only grow) every time, and a deleted bridge or endpoint (its
-- rows cascade away) does not take its counts with it: a Prometheus counter must never
-- go down. Triggers, so every writer (the sync, an abandoned run's cleanup, the delivery
-- activity) counts without knowing about metrics.
create table metric_counts (
  metric text not null,
  -- The series' labels, e.g. {"provider": "okta", "outcome": "succeeded"}; a histogram
  -- bucket has its upper bound as "le" (not cumulative: the reader adds them up).
  labels jsonb not null,
  value  double precision not null,
  primary key (metric, labels)
);

-- The bounds of bridge_sync_duration_seconds; server/metrics/database.ts has the same list
-- (SYNC_SECONDS), and test/integration/server/metrics checks they agree.
create function bridge_sync_bucket(seconds double precision) returns text
language sql immutable as $$
  select coalesce(min(bound)::text, '+Inf') from unnest('{1,5,15,30,60,120,300,600,1800,3600}'::float8[]) as b(bound) where seconds <= bound
$$;

create function count_metric(metric text, labels jsonb, amount double precision) returns void
language sql as $$
  insert into metric_counts (metric, labels, value) values (metric, labels, amount)
  on conflict on constraint metric_counts_pkey do update set value = metric_counts.value + excluded.value
$$;

-- A run counts once, when it leaves 'running' (finished, failed, or closed as abandoned).
create function count_bridge_run() returns trigger
language plpgsql as $$
declare
  provider text;
  seconds double precision := extract(epoch from new.finished_at - new.started_at);
begin
  select coalesce(b.provider, 'unknown') into provider from bridges b where b.organization_id = new.organization_id and b.id = new.bridge_id;
  perform count_metric('bridge_syncs_total', jsonb_build_object('provider', provider, 'outcome', new.outcome), 1);
  perform count_metric('bridge_sync_duration_seconds', jsonb_build_object('provider', provider, 'le', bridge_sync_bucket(seconds)), 1);
  perform count_metric('bridge_sync_duration_seconds_sum', jsonb_build_object('provider', provider), seconds);
  return null;
end
$$;

create trigger bridge_runs_count after update of outcome on bridge_runs
for each row when (old.outcome = 'running' and new.outcome <> 'running' and new.finished_at is not null)
execute function count_bridge_run();

-- One statement records a batch of deliveries: one upsert per outcome per batch, always
-- in the same order, so concurrent batches cannot deadlock on the two rows.
create function count_webhook_deliveries() returns trigger
language plpgsql as $$
begin
  perform count_metric('webhook_deliveries_total', jsonb_build_object('outcome', case when d.ok then 'succeeded' else 'failed' end), d.n)
  from (select ok, count(*)::float8 as n from delivered group by ok order by ok) d;
  return null;
end
$$;

create trigger webhook_deliveries_count after insert on webhook_deliveries
referencing new table as delivered
for each statement execute function count_webhook_deliveries();

-- What happened before this migration, counted once.
insert into metric_counts (metric, labels, value)
select 'bridge_syncs_total', jsonb_build_object('provider', b.provider, 'outcome', r.outcome), count(*)
from bridge_runs r join bridges b on b.organization_id = r.organization_id and b.id = r.bridge_id
where r.outcome <> 'running' and r.finished_at is not null
group by b.provider, r.outcome;

insert into metric_counts (metric, labels, value)
select 'bridge_sync_duration_seconds', jsonb_build_object('provider', b.provider, 'le', bridge_sync_bucket(extract(epoch from r.finished_at - r.started_at))), count(*)
from bridge_runs r join bridges b on b.organization_id = r.organization_id and b.id = r.bridge_id
where r.outcome <> 'running' and r.finished_at is not null
group by 2;

insert into metric_counts (metric, labels, value)
select 'bridge_sync_duration_seconds_sum', jsonb_build_object('provider', b.provider), sum(extract(epoch from r.finished_at - r.started_at))
from bridge_runs r join bridges b on b.organization_id = r.organization_id and b.id = r.bridge_id
where r.outcome <> 'running' and r.finished_at is not null
group by b.provider;

insert into metric_counts (metric, labels, value)
select 'webhook_deliveries_total', jsonb_build_object('outcome', case when ok then 'succeeded' else 'failed' end), count(*)
from webhook_deliveries group by ok;

-- The runs in progress (bridge_syncs_running), found without reading the finished ones.
create index bridge_runs_running on bridge_runs (organization_id, bridge_id) where outcome = 'running';
