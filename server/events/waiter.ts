// Waiting for an organization's next directory event (a webhook delivery run, a feed long
// poll) without a query per waiter: one loop per pool reads the sequence counters of the
// organizations waited on, one statement every POLL_MS whatever the number of waiters,
// and wakes those whose organization has moved past their position. No NOTIFY: it would
// add a commit-time lock to every SCIM write for the sake of idle readers.
// The counter (event_sequences.last_seq) moves in the transaction that appends the
// events, so a waiter woken by it finds them on its next read.
import type { Sql, Tx } from '../db/client'

const POLL_MS = 100

type Waiter = { organizationId: string; afterSeq: bigint; wake: (lastSeq: bigint) => void }

export class EventWaiter {
  private readonly waiters = new Set<Waiter>()
  private polling = false

  constructor(
    private readonly sql: Tx,
    private readonly everyMs = POLL_MS,
  ) {}

  /**
   * The organization's last event sequence number once it is past `afterSeq`; null when
   * `timeoutMs` ran out or `signal` aborted first. A reader that skips some events (a
   * `types` filter) waits next from the number it was given, not from its own position.
   * A database error counts as nothing new: the caller's next read says what it is.
   */
  until(organizationId: string, afterSeq: string | number | bigint, timeoutMs: number, signal?: AbortSignal): Promise<bigint | null> {
    if (signal?.aborted) return Promise.resolve(null)
    return new Promise((resolve) => {
      const done = (lastSeq: bigint | null) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', aborted)
        this.waiters.delete(waiter)
        resolve(lastSeq)
      }
      const aborted = () => done(null)
      const waiter: Waiter = { organizationId, afterSeq: BigInt(afterSeq), wake: done }
      const timer = setTimeout(() => done(null), timeoutMs)
      signal?.addEventListener('abort', aborted)
      this.waiters.add(waiter)
      void this.poll()
    })
  }

  get waiting(): number {
    return this.waiters.size
  }

  private async poll(): Promise<void> {
    if (this.polling) return
    this.polling = true
    try {
      while (this.waiters.size) {
        await Bun.sleep(this.everyMs)
        if (!this.waiters.size) break
        const organizations = [...new Set([...this.waiters].map((w) => w.organizationId))]
        const rows = await this.sql<{ organizationId: string; lastSeq: string }[]>`
          select organization_id, last_seq from event_sequences where organization_id = any(${organizations}::uuid[])`.catch(() => [])
        const last = new Map(rows.map((r) => [r.organizationId, BigInt(r.lastSeq)]))
        for (const w of [...this.waiters]) {
          const lastSeq = last.get(w.organizationId)
          if (lastSeq !== undefined && lastSeq > w.afterSeq) w.wake(lastSeq)
        }
      }
    } finally {
      this.polling = false
    }
  }
}

// One per pool: every waiter of a process shares its loop.
const perPool = new WeakMap<object, EventWaiter>()

export function eventWaiter(sql: Sql): EventWaiter {
  let waiter = perPool.get(sql.options)
  if (!waiter) perPool.set(sql.options, (waiter = new EventWaiter(sql)))
  return waiter
}
