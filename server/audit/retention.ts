// Retention: deletes events older than AUDIT_RETENTION_DAYS, in bounded batches so a
// large backlog never becomes one long transaction holding locks and bloating WAL.
import type { Sql } from '../db/client'
import type { Log } from '../log'

/** Deletes events older than `retentionDays` (by the database clock), `batch` rows per statement; returns how many. */
export async function pruneEvents(sql: Sql, retentionDays: number, batch = 10_000): Promise<number> {
  let total = 0
  for (;;) {
    // Oldest first on scim_events_created. Two processes pruning at once is safe: the
    // second blocks on the first's rows, finds them gone, deletes fewer than a batch and stops.
    const { count } = await sql`
      delete from scim_events e
      using (
        select organization_id, id from scim_events
        where created_at < now() - make_interval(days => ${retentionDays})
        order by created_at
        limit ${batch}
      ) old
      where e.organization_id = old.organization_id and e.id = old.id`
    total += count
    if (count < batch) return total
  }
}

/**
 * Prunes now and then every `everyMs`. Returns a stop function that waits for a run in
 * progress. A failed run is logged and tried again at the next tick.
 */
export function startRetention(sql: Sql, log: Log, retentionDays: number, everyMs = 60 * 60 * 1000): () => Promise<void> {
  let running: Promise<void> | undefined
  const run = () => {
    // A run slower than the interval is not stacked on.
    running ??= pruneEvents(sql, retentionDays)
      .then((deleted) => {
        if (deleted) log.info('audit: pruned old events', { deleted, retentionDays })
      })
      .catch((err) => log.error('audit: pruning failed; retrying at the next interval', err))
      .finally(() => {
        running = undefined
      })
  }
  const timer = setInterval(run, everyMs)
  timer.unref?.()
  run()
  return async () => {
    clearInterval(timer)
    await running
  }
}
