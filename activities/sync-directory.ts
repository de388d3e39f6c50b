// One sync of a directory, in ONE transaction. Pages stream through (one in memory at a
// time): match, plan, write. Deactivations wait for the end, when the whole directory
// has been seen and the mass-deactivation guard can judge them; if it refuses, or the
// attempt is cancelled or its worker dies, the transaction rolls back and the sync has
// changed nothing. A retried attempt therefore re-runs from page 1 (the heartbeated
// cursor is progress for operators, not a resume point): idempotent by construction,
// and a re-run of an unchanged directory writes no row at all.
import { heartbeat } from '@temporalio/activity'
import type { Sql, Tx } from '../server/db/client'
import {
  deactivateUsers, insertUsers, loadActiveManaged, loadStoredForMatch, resolveManagers, updateUsers, withStoreEmail,
} from '../server/users/batch'
import type { BridgeRef, RunCounts } from './bridge-state'
import type { Connector, DirectoryUser } from './connectors'
import { createPlanContext, guardDeactivations, matchKeys, planDeactivations, planPage, type PlanContext } from './reconcile/plan'

export class DeactivationRefused extends Error {
  override readonly name = 'DeactivationRefused'
}

export interface SyncTarget extends BridgeRef {
  excludedEmails: string[]
  maxDeactivationRatio: number
}

/** What the activity heartbeats. */
export interface Progress {
  pages: number
  users: number
  cursor: string | null
}

const MAX_CONFLICT_SAMPLES = 20

export function syncDirectory(sql: Sql, target: SyncTarget, connector: Connector, signal: AbortSignal, progress: Progress): Promise<RunCounts> {
  return sql.begin(async (tx) => {
    // One sync per bridge at a time: a cancelled attempt still finishing holds the next one here.
    await tx`select pg_advisory_xact_lock(hashtextextended(${target.bridgeId}, 0))`
    const ctx = createPlanContext(target.bridgeId, target.excludedEmails)
    const counts: RunCounts = { created: 0, updated: 0, deactivated: 0, unchanged: 0, excluded: 0, conflicts: 0, conflictSamples: [] }
    const held: { id: string; userName: string }[] = []
    let cursor: string | null = null
    do {
      signal.throwIfAborted()
      let t = performance.now()
      const page = await connector.fetchPage(cursor, signal)
      const tf = performance.now() - t; t = performance.now()
      held.push(...(await applyPage(tx, target, page.users.map(withStoreEmail), ctx, counts)))
      console.error('PAGE fetch', tf.toFixed(0), 'apply', (performance.now() - t).toFixed(0))
      Object.assign(progress, { pages: progress.pages + 1, users: progress.users + page.users.length, cursor: page.next })
      heartbeat(progress)
      cursor = page.next
    } while (cursor)

    let te = performance.now()
    const managed = await loadActiveManaged(tx, target.organizationId, target.bridgeId)
    const missing = new Set(planDeactivations(ctx, managed))
    held.push(...managed.filter((u) => missing.has(u.id)))
    // The users this bridge had active before this sync (adopted ones included, new ones not).
    const refusal = guardDeactivations({ activeManaged: managed.length - counts.created, toDeactivate: held.length, maxRatio: target.maxDeactivationRatio })
    if (refusal) throw new DeactivationRefused(refusal)
    counts.deactivated = await deactivateUsers(tx, target.organizationId, target.bridgeId, held)
    await resolveManagers(tx, target.organizationId, target.bridgeId)
    console.error('END', (performance.now() - te).toFixed(0))
    signal.throwIfAborted() // a cancelled sync commits nothing
    return counts
  })
}

/** Plans one page against the stored users it may match and writes its creates and updates; returns its deactivations, held. */
async function applyPage(tx: Tx, target: SyncTarget, users: DirectoryUser[], ctx: PlanContext, counts: RunCounts) {
  const { organizationId: org, bridgeId } = target
  let t = performance.now()
  const stored = await loadStoredForMatch(tx, org, bridgeId, matchKeys(users))
  const tl = performance.now() - t; t = performance.now()
  const plan = planPage(users, stored, ctx)
  const tp = performance.now() - t; t = performance.now()
  const userName = new Map(stored.map((u) => [u.id, u.userName]))
  const created = await insertUsers(tx, org, bridgeId, plan.create)
  // A userName taken since it was planned (a concurrent SCIM create) is a conflict, not an error.
  const createdIds = new Set(created.map((c) => c.externalId))
  const taken = plan.create.filter((u) => !createdIds.has(u.externalId))
  const conflicts = [...plan.conflicts, ...taken.map((u) => ({ externalId: u.externalId, userName: u.userName, reason: 'user-name-taken' as const }))]
  console.error('  load', tl.toFixed(0), 'plan', tp.toFixed(0), 'insert', (performance.now() - t).toFixed(0))
  counts.created += created.length
  counts.updated += await updateUsers(tx, org, bridgeId, plan.update.map((u) => ({ ...u, userName: userName.get(u.id)! })))
  counts.unchanged += plan.unchanged
  counts.excluded += plan.excluded
  counts.conflicts += conflicts.length
  counts.conflictSamples.push(...conflicts.slice(0, Math.max(0, MAX_CONFLICT_SAMPLES - counts.conflictSamples.length)))
  return plan.deactivate.map((id) => ({ id, userName: userName.get(id)! }))
}
