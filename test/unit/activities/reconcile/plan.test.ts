import { describe, expect, test } from 'bun:test'
import type { DirectoryUser, StoredUser } from '../../../../bridge/directory'
import {
  createPlanContext,
  guardDeactivations,
  guardGroupDeletions,
  matchKeys,
  planDeactivations,
  planPage,
  type PlanContext,
} from '../../../../activities/reconcile/plan'

const BRIDGE = 'bridge-1'

function dir(i: number, overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return {
    externalId: `ext-${i}`,
    userName: `user${i}@example.com`,
    email: `user${i}@example.com`,
    givenName: `Given${i}`,
    familyName: `Family${i}`,
    displayName: `User ${i}`,
    active: true,
    title: 'Engineer',
    department: 'R&D',
    employeeNumber: `E${i}`,
    managerExternalId: null,
    ...overrides,
  }
}

/** The stored twin of dir(i), managed by this bridge unless overridden. */
function stored(i: number, overrides: Partial<StoredUser> = {}): StoredUser {
  const { managerExternalId: _, ...fields } = dir(i)
  return { id: `id-${i}`, ...fields, source: 'bridge', bridgeId: BRIDGE, ...overrides }
}

/** Plans a whole directory page by page, as the sync activity does, with every stored user as a candidate. */
function plan(directory: DirectoryUser[], store: StoredUser[], excluded: string[] = [], pageSize = 2) {
  const ctx = createPlanContext(BRIDGE, excluded)
  const result = {
    create: [] as string[],
    update: [] as { id: string; changes: Partial<DirectoryUser>; adopt: boolean }[],
    deactivate: [] as string[],
    unchanged: 0,
    excluded: 0,
    conflicts: [] as { externalId: string; reason: string }[],
  }
  for (let i = 0; i < directory.length; i += pageSize) {
    const page = planPage(directory.slice(i, i + pageSize), store, ctx)
    result.create.push(...page.create.map((u) => u.externalId))
    result.update.push(...page.update)
    result.deactivate.push(...page.deactivate.map((d) => d.id))
    result.unchanged += page.unchanged
    result.excluded += page.excluded
    result.conflicts.push(...page.conflicts.map(({ externalId, reason }) => ({ externalId, reason })))
  }
  result.deactivate.push(
    ...planDeactivations(
      ctx,
      store.filter((u) => u.source === 'bridge' && u.bridgeId === BRIDGE),
    ),
  )
  return result
}

const nothing = { create: [], update: [], deactivate: [], conflicts: [] }

describe('planPage + planDeactivations', () => {
  test.each<[string, DirectoryUser[], StoredUser[], string[], Partial<ReturnType<typeof plan>>]>([
    [
      'first sync with an empty store creates everyone',
      [dir(1), dir(2), dir(3)],
      [],
      [],
      { ...nothing, create: ['ext-1', 'ext-2', 'ext-3'], unchanged: 0 },
    ],
    ['an unchanged directory writes nothing', [dir(1), dir(2)], [stored(1), stored(2)], [], { ...nothing, unchanged: 2 }],
    [
      'an update carries only the changed fields',
      [dir(1, { title: 'Manager', department: null }), dir(2)],
      [stored(1), stored(2)],
      [],
      { ...nothing, update: [{ id: 'id-1', changes: { title: 'Manager', department: null }, adopt: false }], unchanged: 1 },
    ],
    [
      'a renamed user keeps its account (matched by externalId)',
      [dir(1, { userName: 'renamed@example.com', email: 'renamed@example.com' })],
      [stored(1)],
      [],
      {
        ...nothing,
        update: [{ id: 'id-1', changes: { userName: 'renamed@example.com', email: 'renamed@example.com' }, adopt: false }],
      },
    ],
    [
      'a user gone from the directory is deactivated',
      [dir(1)],
      [stored(1), stored(2)],
      [],
      { ...nothing, deactivate: ['id-2'], unchanged: 1 },
    ],
    [
      'an already inactive user gone from the directory is left alone',
      [dir(1)],
      [stored(1), stored(2, { active: false })],
      [],
      { ...nothing, unchanged: 1 },
    ],
    [
      'a user disabled in the directory is deactivated, not updated',
      [dir(1, { active: false })],
      [stored(1)],
      [],
      { ...nothing, deactivate: ['id-1'], unchanged: 0 },
    ],
    [
      'a user disabled in the directory and unknown here is not created',
      [dir(1, { active: false })],
      [],
      [],
      { ...nothing, unchanged: 1 },
    ],
    [
      'a disabled user already inactive is unchanged',
      [dir(1, { active: false })],
      [stored(1, { active: false })],
      [],
      { ...nothing, unchanged: 1 },
    ],
    [
      'a user enabled again is reactivated',
      [dir(1)],
      [stored(1, { active: false })],
      [],
      { ...nothing, update: [{ id: 'id-1', changes: { active: true }, adopt: false }] },
    ],
    [
      'an excluded user is never created (case-insensitive)',
      [dir(1), dir(2)],
      [],
      ['USER2@Example.COM'],
      { ...nothing, create: ['ext-1'], excluded: 1 },
    ],
    [
      'an excluded user is matched on userName when it has no email',
      [dir(1, { email: null })],
      [],
      ['user1@example.com'],
      { ...nothing, excluded: 1 },
    ],
    [
      'a provisioned user who becomes excluded is deactivated, not updated',
      [dir(1, { title: 'Changed' }), dir(2)],
      [stored(1), stored(2)],
      [' user1@example.com '],
      { ...nothing, deactivate: ['id-1'], excluded: 1, unchanged: 1 },
    ],
    [
      'an excluded user already inactive is left alone',
      [dir(1)],
      [stored(1, { active: false })],
      ['user1@example.com'],
      { ...nothing, excluded: 1 },
    ],
    [
      'an excluded user is never adopted',
      [dir(1)],
      [stored(1, { source: 'scim', bridgeId: null, externalId: null })],
      ['user1@example.com'],
      { ...nothing, excluded: 1 },
    ],
    [
      'a scim user whose email and userName both match is adopted (case-insensitive)',
      [dir(1)],
      [stored(1, { source: 'scim', bridgeId: null, externalId: 'okta-00u1', userName: 'USER1@example.com' })],
      [],
      { ...nothing, update: [{ id: 'id-1', changes: { externalId: 'ext-1', userName: 'user1@example.com' }, adopt: true }] },
    ],
    [
      'an adopted user is adopted even when nothing else changes',
      [dir(1)],
      [stored(1, { source: 'scim', bridgeId: null })],
      [],
      { ...nothing, update: [{ id: 'id-1', changes: {}, adopt: true }] },
    ],
    [
      'a scim user sharing only the email is not rewritten (takeover)',
      [dir(1, { userName: 'attacker' })],
      [stored(1, { source: 'scim', bridgeId: null })],
      [],
      { ...nothing, conflicts: [{ externalId: 'ext-1', reason: 'identity-mismatch' }] },
    ],
    [
      'a scim user sharing only the userName is not rewritten',
      [dir(1, { email: 'other@example.com' })],
      [stored(1, { source: 'scim', bridgeId: null })],
      [],
      { ...nothing, conflicts: [{ externalId: 'ext-1', reason: 'identity-mismatch' }] },
    ],
    [
      'a manual user is never touched, even with both keys matching',
      [dir(1, { title: 'Changed' })],
      [stored(1, { source: 'manual', bridgeId: null, externalId: null })],
      [],
      { ...nothing, conflicts: [{ externalId: 'ext-1', reason: 'manual-user' }] },
    ],
    [
      'a manual user missing from the directory is not deactivated',
      [],
      [stored(1, { source: 'manual', bridgeId: null })],
      [],
      { ...nothing, unchanged: 0 },
    ],
    [
      "another bridge's user is never touched nor deactivated",
      [dir(1)],
      [stored(1, { bridgeId: 'bridge-2' }), stored(2, { bridgeId: 'bridge-2' })],
      [],
      { ...nothing, conflicts: [{ externalId: 'ext-1', reason: 'other-bridge' }] },
    ],
    [
      "another bridge's externalId means nothing here",
      [dir(1, { userName: 'new@example.com', email: 'new@example.com' })],
      [stored(1, { bridgeId: 'bridge-2' })],
      [],
      { ...nothing, create: ['ext-1'] },
    ],
    [
      'a re-created person (new externalId, same keys) is re-linked, not duplicated',
      [dir(1, { externalId: 'ext-1-new' })],
      [stored(1)],
      [],
      { ...nothing, update: [{ id: 'id-1', changes: { externalId: 'ext-1-new' }, adopt: false }] },
    ],
    [
      "a reused login (same userName, another person's email) is a conflict",
      [dir(9, { userName: 'user1@example.com', email: 'newcomer@example.com' })],
      [stored(1, { active: false })],
      [],
      { ...nothing, conflicts: [{ externalId: 'ext-9', reason: 'identity-mismatch' }] },
    ],
    [
      'a rename onto a userName another account holds is a conflict',
      [dir(1, { userName: 'user2@example.com' }), dir(2, { userName: 'someone@example.com' })],
      [stored(1), stored(2)],
      [],
      {
        ...nothing,
        update: [{ id: 'id-2', changes: { userName: 'someone@example.com' }, adopt: false }],
        conflicts: [{ externalId: 'ext-1', reason: 'user-name-taken' }],
      },
    ],
    [
      'a user listed twice (pages shifted) is planned once',
      [dir(1), dir(2), dir(1)],
      [],
      [],
      { ...nothing, create: ['ext-1', 'ext-2'], conflicts: [{ externalId: 'ext-1', reason: 'duplicate' }] },
    ],
    [
      'two new users with the same userName (any case): only the first is created',
      [dir(1), dir(2, { userName: 'USER1@example.com' })],
      [],
      [],
      { ...nothing, create: ['ext-1'], conflicts: [{ externalId: 'ext-2', reason: 'user-name-taken' }] },
    ],
    [
      'the manager is compared only when the store loaded it',
      [dir(1, { managerExternalId: 'ext-2' }), dir(2)],
      [stored(1), stored(2, { managerExternalId: null })],
      [],
      { ...nothing, unchanged: 2 },
    ],
    [
      'a changed manager is an update',
      [dir(1, { managerExternalId: 'ext-2' })],
      [stored(1, { managerExternalId: null })],
      [],
      { ...nothing, update: [{ id: 'id-1', changes: { managerExternalId: 'ext-2' }, adopt: false }] },
    ],
  ])('%s', (_name, directory, store, excluded, expected) => {
    const actual = plan(directory, store, excluded)
    // Exact per listed key (toMatchObject would let extra changed fields through).
    expect(Object.fromEntries(Object.keys(expected).map((k) => [k, actual[k as keyof typeof actual]]))).toEqual(expected)
  })

  test('the page plan holds deactivations back for the guard instead of mixing them into updates', () => {
    const ctx = createPlanContext(BRIDGE, [])
    const page = planPage([dir(1, { active: false, title: 'Gone' })], [stored(1)], ctx)
    expect(page.deactivate).toEqual([{ id: 'id-1', reason: 'disabled' }])
    expect(page.update).toEqual([{ id: 'id-1', changes: { title: 'Gone' }, adopt: false }])
  })

  test('each deactivation says why: disabled in the directory, excluded, or gone from it', () => {
    const ctx = createPlanContext(BRIDGE, ['user2@example.com'])
    const store = [stored(1), stored(2), stored(3)]
    const page = planPage([dir(1, { active: false }), dir(2)], store, ctx)
    expect(page.deactivate).toEqual([
      { id: 'id-1', reason: 'disabled' },
      { id: 'id-2', reason: 'excluded' },
    ])
    // Whoever no page listed is missing: planDeactivations' ids are that case.
    expect(planDeactivations(ctx, store)).toEqual(['id-3'])
  })

  test('matchKeys names every key a stored candidate can match on, lower-cased', () => {
    expect(matchKeys([dir(1, { userName: 'User1@Example.com' }), dir(2, { email: null })])).toEqual({
      externalIds: ['ext-1', 'ext-2'],
      emails: ['user1@example.com'],
      userNames: ['user1@example.com', 'user2@example.com'],
    })
  })
})

describe('a streamed sync against an in-memory store', () => {
  // Loads candidates per page with matchKeys (as the SQL would), applies creates and
  // updates per page, deactivations at the end: the contract the store engineer follows.
  function sync(store: Map<string, StoredUser>, directory: DirectoryUser[], pageSize = 3) {
    const ctx: PlanContext = createPlanContext(BRIDGE, [])
    const writes = { created: 0, updated: 0, deactivated: 0, unchanged: 0 }
    const deactivate: string[] = []
    for (let i = 0; i < directory.length; i += pageSize) {
      const users = directory.slice(i, i + pageSize)
      const keys = matchKeys(users)
      const candidates = [...store.values()].filter(
        (u) =>
          (u.bridgeId === BRIDGE && u.externalId !== null && keys.externalIds.includes(u.externalId)) ||
          (u.email !== null && keys.emails.includes(u.email)) ||
          keys.userNames.includes(u.userName.toLowerCase()),
      )
      const page = planPage(users, candidates, ctx)
      for (const user of page.create) {
        const { managerExternalId: _, ...fields } = user
        store.set(`id-${user.externalId}`, { id: `id-${user.externalId}`, ...fields, source: 'bridge', bridgeId: BRIDGE })
      }
      for (const { id, changes } of page.update) store.set(id, { ...store.get(id)!, ...changes })
      deactivate.push(...page.deactivate.map((d) => d.id))
      writes.created += page.create.length
      writes.updated += page.update.length
      writes.unchanged += page.unchanged
    }
    deactivate.push(
      ...planDeactivations(
        ctx,
        [...store.values()].filter((u) => u.bridgeId === BRIDGE),
      ),
    )
    for (const id of deactivate) store.set(id, { ...store.get(id)!, active: false })
    writes.deactivated = deactivate.length
    return writes
  }

  test('a first sync creates everyone, a re-run writes nothing, a change writes only itself', () => {
    const store = new Map<string, StoredUser>()
    const directory = Array.from({ length: 10 }, (_, i) => dir(i + 1))
    expect(sync(store, directory)).toEqual({ created: 10, updated: 0, deactivated: 0, unchanged: 0 })
    expect(sync(store, directory)).toEqual({ created: 0, updated: 0, deactivated: 0, unchanged: 10 })

    directory[3] = dir(4, { department: 'Sales' })
    directory.pop()
    expect(sync(store, directory)).toEqual({ created: 0, updated: 1, deactivated: 1, unchanged: 8 })
    expect(sync(store, directory)).toEqual({ created: 0, updated: 0, deactivated: 0, unchanged: 9 })
  })
})

describe('guardDeactivations', () => {
  test.each<[string, number, number, number | undefined, RegExp | null]>([
    ['nothing to deactivate', 100, 0, undefined, null],
    ['zero active users', 0, 0, undefined, null],
    ['first sync (no managed users yet)', 0, 0, 0.2, null],
    ['exactly 20% is allowed', 100, 20, undefined, null],
    ['20% of a small bridge is allowed', 5, 1, undefined, null],
    [
      'just over 20% is refused',
      100,
      21,
      undefined,
      /refusing to deactivate 21 of 100 active users \(21% > 20%\).*raise maxDeactivationRatio/,
    ],
    ['all users are refused', 100, 100, undefined, /refusing to deactivate all 100 active users.*check the provider/],
    ['the only user is refused (all of them)', 1, 1, undefined, /all 1 active users/],
    ['all users are refused even under a high ratio', 10, 10, 0.99, /all 10 active users/],
    ['a raised ratio allows more', 100, 50, 0.5, null],
    ['ratio 1 allows everything', 100, 100, 1, null],
  ])('%s', (_name, activeManaged, toDeactivate, maxRatio, expected) => {
    const refusal = guardDeactivations({ activeManaged, toDeactivate, ...(maxRatio === undefined ? {} : { maxRatio }) })
    if (expected === null) expect(refusal).toBeNull()
    else expect(refusal).toMatch(expected)
  })
})

describe('guardGroupDeletions', () => {
  test.each<[string, number, number, number | undefined, RegExp | null]>([
    ['no group gone', 5, 0, undefined, null],
    ['one of five gone (20%)', 5, 1, undefined, null],
    ['two of five gone', 5, 2, undefined, /refusing to delete 2 of 5 groups \(40% > 20%\).*can hide groups/],
    ['every group gone', 4, 4, 0.99, /refusing to delete all 4 groups of this bridge/],
    ['ratio 1 allows it', 4, 4, 1, null],
  ])('%s', (_name, managed, toDelete, maxRatio, expected) => {
    const refusal = guardGroupDeletions({ managed, toDelete, ...(maxRatio === undefined ? {} : { maxRatio }) })
    if (expected === null) expect(refusal).toBeNull()
    else expect(refusal).toMatch(expected)
  })
})
