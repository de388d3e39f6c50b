// One sync of a directory, in ONE transaction. Pages stream through (one in memory at a
// time): match, plan, apply the updates, stage the creates; what the planner must remember
// across pages waits in Postgres too (sync-context.ts). Deactivations and creates
// wait for the end, when the whole directory has been seen and the mass-deactivation
// guard can judge; if it refuses, or the attempt is cancelled or its worker dies, the
// transaction rolls back and the sync has changed nothing. A retried attempt therefore
// re-runs from page 1 (the heartbeated cursor is progress for operators, not a resume
// point): idempotent by construction, and a re-run of an unchanged directory writes no row.
import { heartbeat } from '@temporalio/activity'
import type { Sql, Tx } from '../server/db/client'
import { appendStagedChanges, type DeactivationReason } from '../server/events/outbox'
import type { PreviewSamples } from '../bridge/messages'
import {
  beginStaging, createStagedUsers, deactivateUsers, loadActiveManaged, loadStoredForMatch, resolveManagers, stageCreates, updateUsers, withStoreEmail,
} from '../server/users/batch'
import { type BridgeRef, NO_COUNTS, type RunCounts } from './bridge-state'
import { previewGroups, syncGroups } from './sync-groups'
import type { DirectoryUser, StoredUser } from '../bridge/directory'
import type { Connector } from './connectors'
import { type Conflict, createPlanContext, DeactivationRefused, guardDeactivations, matchKeys, planDeactivations, planPage, type PlanContext } from './reconcile/plan'
import { beginContext, contextFor } from './sync-context'


export interface SyncTarget extends BridgeRef {
  /** The bridge's `syncGroups`: groups and memberships too (activities/sync-groups.ts). */
  syncGroups: boolean
  /** The run this sync is (bridge_runs): its events name it. */
  runId: string
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
const MANAGED_CHUNK = 5000
/**
 * Users between two full collections of the worker's heap. JSC's young collections promote
 * what a page still holds across its awaits, and the old generation grows to about three
 * times what is live before JSC collects it: left alone, a sync of 100,000 users took the
 * heap from ~20 to ~90 MB and the worker's peak RSS ~150 MB above idle. Collecting every
 * 5,000 users keeps the peak within ~60 MB of idle; a collection takes ~30 ms (about 1 s
 * of a 100,000-user re-sync, which also collects after each chunk of managed users).
 */
const COLLECT_EVERY_USERS = 5000

/**
 * What a preview collects instead of writing: the plan's counts and first examples, and
 * the guard's verdict. Given to syncDirectory, it makes the sync write nothing (its
 * temporary tables aside) and take no row lock.
 */
export class Preview {
  readonly samples: Omit<PreviewSamples, 'conflicts'> = { create: [], update: [], deactivate: [] }
  reactivate = 0
  refused: string | null = null

  add<K extends keyof Preview['samples']>(kind: K, items: Preview['samples'][K]): void {
    const room = Math.max(0, MAX_PREVIEW_SAMPLES - this.samples[kind].length)
    ;(this.samples[kind] as unknown[]).push(...items.slice(0, room))
  }
}

const MAX_PREVIEW_SAMPLES = 20

export function syncDirectory(
  sql: Sql, target: SyncTarget, connector: Connector, signal: AbortSignal, progress: Progress, preview?: Preview,
): Promise<RunCounts> {
  const { organizationId: org, bridgeId } = target
  return sql.begin(async (tx) => {
    // One sync per bridge at a time: a cancelled attempt still finishing holds the next one here.
    if (!preview) await tx`select pg_advisory_xact_lock(hashtextextended(${bridgeId}, 0))`
    // A page's lookup is best planned for THIS organization's size (probe the indexes of a big
    // one, scan a small one): no generic plan, whose parameter arrays are also never hashed.
    await tx`set local plan_cache_mode = force_custom_plan`
    await beginStaging(tx)
    await beginContext(tx)
    const ctx = createPlanContext(bridgeId, target.excludedEmails)
    const counts: RunCounts = { ...NO_COUNTS, conflictSamples: [] }
    const held: { id: string; userName: string; reason: DeactivationReason }[] = []
    const collect = collector(COLLECT_EVERY_USERS)
    let cursor: string | null = null
    do {
      signal.throwIfAborted()
      const page = await connector.fetchPage(cursor, signal)
      held.push(...(await applyPage(tx, target, page.users.map(withStoreEmail), ctx, counts, preview)))
      Object.assign(progress, { pages: progress.pages + 1, users: progress.users + page.users.length, cursor: page.next })
      heartbeat(progress)
      cursor = page.next
      collect(page.users.length)
    } while (cursor)

    // This bridge's active users before the sync (adopted ones included; creates are still
    // staged): the guard's base, and those the directory no longer lists. Read in chunks.
    let activeManaged = 0
    for (let after: string | null = null; ;) {
      const managed = await loadActiveManaged(tx, org, bridgeId, after, MANAGED_CHUNK)
      if (!managed.length) break
      activeManaged += managed.length
      // Nearly all were claimed by a page (matched by externalId): only the others need `seen`.
      const { ctx: known } = await contextFor(tx, ctx, { seen: [], claimed: managed.map((u) => u.id), taken: [] })
      const unclaimed = managed.flatMap((u) => (known.claimed.has(u.id) || u.externalId === null ? [] : [u.externalId]))
      if (unclaimed.length) {
        const { ctx: more } = await contextFor(tx, ctx, { seen: unclaimed, claimed: [], taken: [] })
        for (const key of more.seen) known.seen.add(key)
      }
      const missing = new Set(planDeactivations(known, managed))
      held.push(...managed.flatMap((u) => (missing.has(u.id) ? [{ id: u.id, userName: u.userName, reason: 'missing' as const }] : [])))
      after = managed[managed.length - 1]!.id
      collect(managed.length)
    }
    const refusal = guardDeactivations({ activeManaged, toDeactivate: held.length, maxRatio: target.maxDeactivationRatio })
    if (preview) {
      preview.add('deactivate', held.map((u) => ({ userName: u.userName })))
      const groups = target.syncGroups ? await previewGroups(tx, target, connector, signal, progress) : undefined
      preview.refused = refusal ?? groups?.refused ?? null
      return { ...counts, ...groups?.counts, deactivated: held.length }
    }
    if (refusal) throw new DeactivationRefused(refusal)

    const { created, taken } = await createStagedUsers(tx, org, bridgeId)
    counts.created = created
    // A userName taken since it was planned (a concurrent SCIM create) is a conflict, not an error.
    addConflicts(counts, taken.map((u) => ({ externalId: u.externalId, userName: u.userName, reason: 'user-name-taken' })))
    counts.deactivated = await deactivateUsers(tx, org, bridgeId, held)
    await resolveManagers(tx, org, bridgeId)
    if (target.syncGroups) Object.assign(counts, await syncGroups(tx, target, connector, signal, progress))
    signal.throwIfAborted() // a cancelled sync commits nothing
    // Last: the append holds the organization's event sequence until the commit.
    await appendStagedChanges(tx, org, { kind: 'bridge', bridgeId, runId: target.runId })
    return counts
  })
}

/** Plans one page against the stored users it may match; applies its updates, stages its creates (or, previewing, counts them), returns its deactivations. */
async function applyPage(tx: Tx, target: SyncTarget, users: DirectoryUser[], base: PlanContext, counts: RunCounts, preview?: Preview) {
  const { organizationId: org, bridgeId } = target
  const { stored, open } = await loadCandidates(tx, target, users)
  // Only an open user can create or rename: the others never look at the userNames taken.
  const keys = { seen: users.map((u) => u.externalId), claimed: stored.map((u) => u.id), taken: open.map((u) => u.userName.toLowerCase()) }
  const { ctx, record } = await contextFor(tx, base, keys)
  const plan = planPage(users, stored, ctx)
  await record()
  const userName = new Map<string, string>()
  for (const u of stored) userName.set(u.id, u.userName)
  if (preview) {
    // Only staged (a temporary table): the group preview knows the users a sync would create.
    await stageCreates(tx, org, bridgeId, plan.create)
    counts.created += plan.create.length
    counts.updated += plan.update.length
    preview.reactivate += plan.update.filter((u) => u.changes.active === true).length
    preview.add('create', plan.create.map((u) => ({ userName: u.userName, email: u.email })))
    preview.add('update', plan.update.map((u) => ({ userName: userName.get(u.id)!, changes: u.changes })))
  } else {
    await stageCreates(tx, org, bridgeId, plan.create)
    counts.updated += await updateUsers(tx, org, bridgeId, plan.update.map((u) => ({ ...u, userName: userName.get(u.id)! })))
  }
  counts.unchanged += plan.unchanged
  counts.excluded += plan.excluded
  addConflicts(counts, plan.conflicts)
  return plan.deactivate.map(({ id, reason }) => ({ id, userName: userName.get(id)!, reason }))
}

/**
 * The stored users `planPage` needs, in two steps: this bridge's users by externalId (in a
 * steady state, everyone), then by userName and email only for what those leave open: a
 * directory user not found so, or renamed (is the new name taken?). The plan is the one
 * loading by every key of `matchKeys` would give, for a fraction of the index probes.
 */
async function loadCandidates(tx: Tx, target: SyncTarget, users: DirectoryUser[]): Promise<{ stored: StoredUser[]; open: DirectoryUser[] }> {
  const { organizationId: org, bridgeId } = target
  const { externalIds } = matchKeys(users)
  const ours = await loadStoredForMatch(tx, org, bridgeId, { externalIds, userNames: [], emails: [] })
  const settled = new Map(ours.filter((u) => u.source === 'bridge').map((u) => [u.externalId, u.userName.toLowerCase()]))
  const open = users.filter((u) => settled.get(u.externalId) !== u.userName.toLowerCase())
  if (!open.length) return { stored: ours, open }
  const { userNames, emails } = matchKeys(open)
  const known = new Set(ours.map((u) => u.id))
  const others = await loadStoredForMatch(tx, org, bridgeId, { externalIds: [], userNames, emails })
  return { stored: [...ours, ...others.filter((u) => !known.has(u.id))], open }
}

/** Counts users through; runs a full collection each time `every` more went by. */
function collector(every: number): (users: number) => void {
  let since = 0
  return (users) => {
    since += users
    if (since < every) return
    since = 0
    Bun.gc(true)
  }
}

function addConflicts(counts: RunCounts, conflicts: Conflict[]): void {
  counts.conflicts += conflicts.length
  counts.conflictSamples.push(...conflicts.slice(0, Math.max(0, MAX_CONFLICT_SAMPLES - counts.conflictSamples.length)))
}
