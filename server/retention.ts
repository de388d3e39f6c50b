// Retention: on one schedule, each table with a retention period drops what is past it.
// The list is the composition root's (server/app.ts `pruners`: the stores sit above this core module).
// Each prune function lives next to its table's writes and deletes in bounded batches,
// so a large backlog never becomes one long transaction holding locks and bloating WAL.
import type { Sql } from './db/client'
import type { Log } from './log'

export interface Pruner {
  /** The log lines' prefix, e.g. `audit`. */
  name: string
  /** What the rows are, for the log: `events`. */
  rows: string
  retentionDays: number
  /** Deletes the rows older than `retentionDays`; returns how many. */
  prune: (sql: Sql, retentionDays: number) => Promise<number>
}

/**
 * Runs every pruner now and then every `everyMs`, one after the other. Returns a stop
 * function that waits for a run in progress. A failed pruner is logged, the others still
 * run, and it is tried again at the next tick.
 */
export function startRetention(sql: Sql, log: Log, list: Pruner[], everyMs = 60 * 60 * 1000): () => Promise<void> {
  const pruneOne = async ({ name, rows, retentionDays, prune }: Pruner) => {
    try {
      const deleted = await prune(sql, retentionDays)
      if (deleted) log.info(`${name}: pruned old ${rows}`, { deleted, retentionDays })
    } catch (err) {
      log.error(`${name}: pruning failed; retrying at the next interval`, err)
    }
  }
  let running: Promise<void> | undefined
  const run = () => {
    // A run slower than the interval is not stacked on.
    running ??= (async () => {
      for (const p of list) await pruneOne(p)
    })().finally(() => {
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
