// The plan context of one sync, kept in Postgres. PlanContext (reconcile/plan.ts) spans the
// whole directory: every externalId seen, every stored user claimed, every userName taken.
// In memory, 100,000 users make some 200,000 strings that live as long as the sync, and the
// heap, which the engine sizes on what survives, more than doubles the worker's peak RSS.
// So the entries live in a temporary table of the sync's transaction, and each page (or
// chunk of stored users) is planned with a context holding only the entries its keys can
// meet: the planner answers exactly as with the whole context, from one page of memory.
import type { Tx } from '../server/db/client'
import type { PlanContext } from './reconcile/plan'

type Kind = 'seen' | 'claimed' | 'taken'

/** The keys a page's planning can look up: its externalIds and lower-cased userNames, its candidates' ids. */
export interface ContextKeys {
  seen: string[]
  claimed: string[]
  taken: string[]
}

/** Not unique: each entry is written once (only what planning added), so inserts check no conflict. */
export async function beginContext(tx: Tx): Promise<void> {
  await tx`create temporary table bridge_sync_context (kind text not null, key text not null) on commit drop`
  await tx`create index on bridge_sync_context (key, kind)`
}

/**
 * A context for `keys`: the sync's settings from `base` and the entries recorded so far that
 * match the keys. `record()` saves the entries planning with it added.
 */
export async function contextFor(tx: Tx, base: PlanContext, keys: ContextKeys): Promise<{ ctx: PlanContext; record(): Promise<void> }> {
  const ctx: PlanContext = { ...base, seen: new Set(), claimed: new Set(), takenUserNames: new Set() }
  const rows = await tx<{ kind: Kind; key: string }[]>`
    ${lookup(tx, 'seen', keys.seen)} union all ${lookup(tx, 'claimed', keys.claimed)} union all ${lookup(tx, 'taken', keys.taken)}`
  const sets = { seen: ctx.seen, claimed: ctx.claimed, taken: ctx.takenUserNames }
  for (const { kind, key } of rows) sets[kind].add(key)
  // A Set iterates in insertion order: what planning adds comes after what was loaded.
  const loaded = { seen: ctx.seen.size, claimed: ctx.claimed.size, taken: ctx.takenUserNames.size }
  const added = (kind: Kind) => json([...sets[kind]].slice(loaded[kind]))
  const record = async () => {
    await tx`
      insert into bridge_sync_context (kind, key)
      select 'seen', jsonb_array_elements_text(${added('seen')}::text::jsonb)
      union all select 'claimed', jsonb_array_elements_text(${added('claimed')}::text::jsonb)
      union all select 'taken', jsonb_array_elements_text(${added('taken')}::text::jsonb)`
  }
  return { ctx, record }
}

/**
 * One index probe per key. (With `key = any(...)` the planner, which has no statistics on a
 * temporary table, prefers scanning it whole: a page's lookup would grow with the directory.)
 */
function lookup(tx: Tx, kind: Kind, keys: string[]) {
  return tx`
    select e.kind, e.key from jsonb_array_elements_text(${json(keys)}::text::jsonb) k (key)
    cross join lateral (select kind, key from bridge_sync_context c where c.key = k.key and c.kind = ${kind} limit 1) e`
}

/** Keys travel as one JSON text: the driver would build (and escape) a string per element of a text[]. */
const json = (keys: string[]) => JSON.stringify(keys)
