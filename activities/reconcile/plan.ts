// The reconcile planner: pure, no I/O. The sync activity streams the directory page by
// page; for each page it loads the stored users that could match (see `matchKeys`),
// calls `planPage`, and applies creates and updates. Deactivations are only collected:
// at the end it adds `planDeactivations`, asks `guardDeactivations`, and applies them
// all or none, so a directory that suddenly returns nothing changes nobody's access.
//
// Matching (the reference system matches by lower-cased email; "users created by hand are never
// touched by the bridge"; and the account-takeover pitfall of adopting by email):
//   1. by externalId among the users this bridge manages: always that user;
//   2. else by lower-cased userName and email among all users of the organization. A user
//      found so is taken only if BOTH its userName and its email equal the directory's, so
//      taking it rewrites nothing that identifies the account. Then:
//        - this bridge's user: re-linked to the new externalId (the person was re-created);
//        - a `scim` user: adopted (source 'bridge', this bridge's id);
//        - a `manual` user: never touched (conflict 'manual-user');
//        - another bridge's user: never touched (conflict 'other-bridge').
//      If only one key matches (the email of one account, or a userName whose email
//      differs), it is another person's account or a reused login: 'identity-mismatch'.
//   3. no match: create, unless the directory has the user disabled (no account is made
//      for someone who cannot sign in; enabling them later creates it).
// A conflict writes nothing and creates nothing (a create would collide on userName or
// duplicate a person); the run reports it for an admin to resolve.
// Excluded (email or userName in the list, case-insensitive): never created or updated;
// if it is this bridge's active user, it is deactivated.
import type { DirectoryUser, StoredUser, UserUpdate } from '../../bridge/directory'
import type { DeactivationReason } from '../../server/events/outbox'

export type ConflictReason = 'manual-user' | 'other-bridge' | 'identity-mismatch' | 'user-name-taken' | 'duplicate'

export interface Conflict {
  externalId: string
  userName: string
  reason: ConflictReason
  /** The stored user in the way, when there is one. */
  userId?: string
}

/** A stored user to deactivate and why: its event says it (server/events/outbox.ts). */
export interface Deactivation {
  id: string
  reason: DeactivationReason
}

export interface PagePlan {
  create: DirectoryUser[]
  update: UserUpdate[]
  /** Stored users to deactivate (excluded, or disabled in the directory): apply only after the guard. */
  deactivate: Deactivation[]
  unchanged: number
  excluded: number
  conflicts: Conflict[]
}

/** State of one sync across its pages. It covers the whole directory: a resumed sync must rebuild it. */
export interface PlanContext {
  bridgeId: string
  excludedEmails: ReadonlySet<string>
  /** Directory externalIds already planned (a user repeated across pages is planned once). */
  seen: Set<string>
  /** Stored users already matched (one stored user answers one directory user). */
  claimed: Set<string>
  /** Lower-cased userNames this sync creates or renames to (userName is unique per organization). */
  takenUserNames: Set<string>
}

export function createPlanContext(bridgeId: string, excludedEmails: Iterable<string>): PlanContext {
  const excluded = new Set<string>()
  for (const e of excludedEmails) excluded.add(e.trim().toLowerCase())
  return { bridgeId, excludedEmails: excluded, seen: new Set(), claimed: new Set(), takenUserNames: new Set() }
}

/**
 * What the caller loads before `planPage`: the organization's users whose lower(userName)
 * or email is in the lists, plus this bridge's users whose externalId is.
 */
export function matchKeys(users: readonly DirectoryUser[]): { externalIds: string[]; emails: string[]; userNames: string[] } {
  return {
    externalIds: users.map((u) => u.externalId),
    emails: [...new Set(users.flatMap((u) => (u.email ? [u.email] : [])))],
    userNames: [...new Set(users.map((u) => u.userName.toLowerCase()))],
  }
}

export function planPage(users: readonly DirectoryUser[], stored: readonly StoredUser[], ctx: PlanContext): PagePlan {
  const plan: PagePlan = { create: [], update: [], deactivate: [], unchanged: 0, excluded: 0, conflicts: [] }
  const index = indexStored(stored, ctx.bridgeId)
  for (const user of users) planUser(user, index, ctx, plan)
  return plan
}

/** This bridge's active users that the directory no longer has (reason `missing`). `managed` = its users (loaded after the pages were applied). */
export function planDeactivations(
  ctx: PlanContext,
  managed: Iterable<Pick<StoredUser, 'id' | 'externalId' | 'active'>>,
): string[] {
  const ids: string[] = []
  for (const user of managed) {
    const present = ctx.claimed.has(user.id) || (user.externalId !== null && ctx.seen.has(user.externalId))
    if (user.active && !present) ids.push(user.id)
  }
  return ids
}

/**
 * Refuses (returns the reason) a sync that would deactivate more than `maxRatio` of this
 * bridge's active users, or all of them: an IdP outage or a lost permission that returns
 * an empty or partial directory must never lock an organization out. `maxRatio` 1 allows all.
 */
/** A guard refused the sync: nothing of it is committed, and it counts as a failure. */
export class DeactivationRefused extends Error {
  override readonly name = 'DeactivationRefused'
}

export function guardDeactivations(input: { activeManaged: number; toDeactivate: number; maxRatio?: number }): string | null {
  return guardRemovals({ managed: input.activeManaged, removing: input.toDeactivate, maxRatio: input.maxRatio }, { verb: 'deactivate', noun: 'active users', hidden: 'users' })
}

/** The same guard for the groups a bridge manages: a group gone from the directory is deleted, with its memberships. */
export function guardGroupDeletions(input: { managed: number; toDelete: number; maxRatio?: number }): string | null {
  return guardRemovals({ managed: input.managed, removing: input.toDelete, maxRatio: input.maxRatio }, { verb: 'delete', noun: 'groups', hidden: 'groups' })
}

function guardRemovals(n: { managed: number; removing: number; maxRatio?: number }, words: { verb: string; noun: string; hidden: string }): string | null {
  const { managed, removing, maxRatio = 0.2 } = n
  if (removing <= 0 || maxRatio >= 1) return null
  const check = `check the provider (an outage, an expired permission or a changed filter can hide ${words.hidden})`
  if (removing >= managed) {
    return `refusing to ${words.verb} all ${managed} ${words.noun} of this bridge: the directory returned none of them; ${check}, or set maxDeactivationRatio to 1 if this is intended`
  }
  const ratio = removing / managed
  if (ratio <= maxRatio + 1e-9) return null
  return `refusing to ${words.verb} ${removing} of ${managed} ${words.noun} (${percent(ratio)} > ${percent(maxRatio)}): the directory no longer lists them; ${check}, or raise maxDeactivationRatio`
}

interface StoredIndex {
  /** This bridge's users only: another source's externalId means something else. */
  byExternalId: Map<string, StoredUser>
  /** An account holding the email (emails are not unique; one is enough to refuse a create). */
  byEmail: Map<string, string>
  byUserName: Map<string, StoredUser>
}

function indexStored(stored: readonly StoredUser[], bridgeId: string): StoredIndex {
  const index: StoredIndex = { byExternalId: new Map(), byEmail: new Map(), byUserName: new Map() }
  for (const user of stored) {
    if (isOurs(user, bridgeId) && user.externalId !== null) index.byExternalId.set(user.externalId, user)
    if (user.email !== null) index.byEmail.set(user.email.toLowerCase(), user.id)
    index.byUserName.set(user.userName.toLowerCase(), user)
  }
  return index
}

function planUser(user: DirectoryUser, index: StoredIndex, ctx: PlanContext, plan: PagePlan): void {
  const conflict = (reason: ConflictReason, userId?: string) =>
    void plan.conflicts.push({ externalId: user.externalId, userName: user.userName, reason, ...(userId ? { userId } : {}) })

  if (ctx.seen.has(user.externalId)) return conflict('duplicate')
  ctx.seen.add(user.externalId)

  const match = findMatch(user, index)
  const target = match.kind === 'user' ? match.user : null
  if (target && ctx.claimed.has(target.id)) return conflict('duplicate', target.id)
  const ours = target !== null && isOurs(target, ctx.bridgeId)
  // Present in the directory, whatever happens next: never deactivated as missing.
  if (ours) ctx.claimed.add(target.id)

  if (isExcluded(user, ctx.excludedEmails)) {
    plan.excluded++
    if (ours && target.active) plan.deactivate.push({ id: target.id, reason: 'excluded' })
    return
  }
  if (match.kind === 'mismatch') return conflict('identity-mismatch', match.userId)
  if (!target) {
    if (!user.active) return void plan.unchanged++
    const userName = user.userName.toLowerCase()
    if (ctx.takenUserNames.has(userName)) return conflict('user-name-taken')
    ctx.takenUserNames.add(userName)
    return void plan.create.push(user)
  }
  if (!ours) {
    if (target.source === 'manual') return conflict('manual-user', target.id)
    if (target.source === 'bridge') return conflict('other-bridge', target.id)
    ctx.claimed.add(target.id)
  }

  const changes = diff(user, target)
  const renamedTo = changes.userName?.toLowerCase()
  if (renamedTo !== undefined && renamedTo !== target.userName.toLowerCase()) {
    const holder = index.byUserName.get(renamedTo)
    if ((holder && holder.id !== target.id) || ctx.takenUserNames.has(renamedTo)) return conflict('user-name-taken', target.id)
    ctx.takenUserNames.add(renamedTo)
  }

  const deactivate = target.active && !user.active
  if (deactivate) plan.deactivate.push({ id: target.id, reason: 'disabled' })
  if (!ours || Object.keys(changes).length > 0) plan.update.push({ id: target.id, changes, adopt: !ours })
  else if (!deactivate) plan.unchanged++
}

type Match = { kind: 'none' } | { kind: 'mismatch'; userId: string } | { kind: 'user'; user: StoredUser }

function findMatch(user: DirectoryUser, index: StoredIndex): Match {
  const byId = index.byExternalId.get(user.externalId)
  if (byId) return { kind: 'user', user: byId }
  // userName is unique per organization, so it names at most one account.
  const byUserName = index.byUserName.get(user.userName.toLowerCase())
  if (byUserName) {
    const sameEmail = (byUserName.email?.toLowerCase() ?? null) === user.email
    return sameEmail ? { kind: 'user', user: byUserName } : { kind: 'mismatch', userId: byUserName.id }
  }
  const byEmail = user.email ? index.byEmail.get(user.email) : undefined
  return byEmail ? { kind: 'mismatch', userId: byEmail } : { kind: 'none' }
}

/** The directory's values that differ from the stored ones; `active: false` is a deactivation, not a change. */
function diff(user: DirectoryUser, stored: StoredUser): Partial<DirectoryUser> {
  const changes: Partial<DirectoryUser> = {}
  const fields = [
    'externalId',
    'userName',
    'email',
    'givenName',
    'familyName',
    'displayName',
    'title',
    'department',
    'employeeNumber',
  ] as const
  for (const field of fields) if (user[field] !== stored[field]) Object.assign(changes, { [field]: user[field] })
  if (stored.managerExternalId !== undefined && user.managerExternalId !== stored.managerExternalId) {
    changes.managerExternalId = user.managerExternalId
  }
  if (user.active && !stored.active) changes.active = true
  return changes
}

function isOurs(user: StoredUser, bridgeId: string): boolean {
  return user.source === 'bridge' && user.bridgeId === bridgeId
}

function isExcluded(user: DirectoryUser, excluded: ReadonlySet<string>): boolean {
  return (user.email !== null && excluded.has(user.email)) || excluded.has(user.userName.toLowerCase())
}

function percent(ratio: number): string {
  return `${Math.round(ratio * 1000) / 10}%`
}
