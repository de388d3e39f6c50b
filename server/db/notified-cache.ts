// A per-pool cache of secret lookups (a bearer credential's hash -> who it is), kept
// honest by Postgres LISTEN/NOTIFY. Used by SCIM tokens (server/scim/auth.ts) and admin
// access keys (server/admin/auth.ts).
//
// Hits are cached per pool (one pool per process): key -> value, at most MAX_ENTRIES,
// oldest evicted first. Misses are never cached, so unknown secrets cannot fill memory.
// Every change of a credential runs `pg_notify(channel, payload)` in its own statement,
// and each process forgets the entries the payload names when the notification arrives
// (an empty payload: all of them).
// - In the process that made the change, `changed()` forgets them synchronously once
//   the statement has returned, so the next request there already fails. (Inside a
//   caller's sql.begin that is before the commit; a lookup racing it may re-cache the
//   old row until the NOTIFY, delivered at the commit, clears it.)
// - In other processes the old credential keeps working from the commit until the
//   notification is read from the listen socket: one localhost round trip, in practice
//   well under a millisecond to a few ms.
// - Before the first LISTEN the cache is bypassed. porsager re-LISTENs after its listen
//   connection drops, and the cache is cleared then; a notification sent while it was
//   away is lost, so an entry is also trusted for at most MAX_AGE_MS: a credential
//   changed in that gap stops working within a second anyway.
// - A lookup that overlaps a notification does not fill the cache (generation check):
//   it may have read the row as it was before the commit.
import type { Sql, Tx } from './client'

const MAX_ENTRIES = 10_000
const MAX_AGE_MS = 1000

class Entries<V> {
  private readonly entries = new Map<string, { value: V; at: number }>()
  listening = false
  generation = 0

  constructor(private readonly names: (value: V, payload: string) => boolean) {}

  get(key: string): V | undefined {
    const e = this.listening ? this.entries.get(key) : undefined
    if (!e || performance.now() - e.at > MAX_AGE_MS) return undefined
    return e.value
  }

  set(key: string, value: V, generation: number): void {
    if (!this.listening || generation !== this.generation) return
    this.entries.delete(key) // re-inserted last: eviction order is age
    if (this.entries.size >= MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
    this.entries.set(key, { value, at: performance.now() })
  }

  /** The entries `payload` names, or all of them. */
  forget(payload?: string): void {
    this.generation++
    if (payload === undefined) return this.entries.clear()
    for (const [key, e] of this.entries) if (this.names(e.value, payload)) this.entries.delete(key)
  }
}

export interface NotifiedCache<V> {
  /** The value for `key`: cached, or what `load` finds (undefined, a miss, is never cached). */
  get(sql: Tx, key: string, load: () => Promise<V | undefined>): Promise<V | undefined>
  /** This process changed what `payload` names (after its NOTIFY statement returned): forget it now. */
  changed(sql: Tx, payload: string): void
}

/** A cache per pool on `channel`; `names(value, payload)` says whether a notification concerns an entry. */
export function notifiedCache<V>(channel: string, names: (value: V, payload: string) => boolean): NotifiedCache<V> {
  // Keyed by the pool's options object, which a pool shares with its transactions.
  const caches = new WeakMap<object, Entries<V>>()

  function cacheFor(sql: Tx): Entries<V> | undefined {
    const pool = sql as Sql
    if (typeof pool.listen !== 'function') return undefined
    let cache = caches.get(pool.options)
    if (!cache) {
      const c = (cache = new Entries(names))
      caches.set(pool.options, c)
      pool
        .listen(channel, (payload) => c.forget(payload || undefined), () => {
          c.forget()
          c.listening = true
        })
        .catch(() => {
          c.listening = false // stays bypassed; porsager retries on its own reconnects
        })
    }
    return cache
  }

  return {
    async get(sql, key, load) {
      const cache = cacheFor(sql)
      const hit = cache?.get(key)
      if (hit !== undefined) return hit
      const generation = cache?.generation ?? 0
      const value = await load()
      if (value !== undefined) cache?.set(key, value, generation)
      return value
    },
    changed(sql, payload) {
      caches.get((sql as Sql).options)?.forget(payload)
    },
  }
}
