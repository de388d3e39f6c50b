// Retention of the audit log: deletes events older than AUDIT_RETENTION_DAYS, in bounded
// batches (server/retention.ts runs it on its schedule).
import { deleteInBatches } from '../db/batched-delete'
import type { Sql } from '../db/client'

/** Deletes events older than `retentionDays` (by the database clock), `batch` rows per statement; returns how many. */
export function pruneEvents(sql: Sql, retentionDays: number, batch = 10_000): Promise<number> {
  // Oldest first on scim_events_created. Two processes pruning at once is safe: the
  // second blocks on the first's rows, finds them gone, deletes fewer than a batch and stops.
  return deleteInBatches(batch, () => sql`
    delete from scim_events e
    using (
      select organization_id, id from scim_events
      where created_at < now() - make_interval(days => ${retentionDays})
      order by created_at
      limit ${batch}
    ) old
    where e.organization_id = old.organization_id and e.id = old.id`)
}
