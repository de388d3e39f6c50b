// /Users: the shared verbs over server/users (the one writer of users).
import * as Users from '../users/store'
import { SCIM_ORIGIN } from '../users/model'
import type { ListPlan } from './list'
import type { ResourceStore } from './resources'
import { USER, resolveAttribute } from '../schema'

export const userStore: ResourceStore<Users.LockedUser> = {
  rt: USER,
  relation: 'groups',
  get: (sql, orgId, id, groups) => Users.getUser(sql, orgId, id, { groups }),
  async list(sql, orgId, plan, groups) {
    const userName = userNameLookup(plan)
    if (userName === undefined) return Users.listUsers(sql, orgId, plan.query, { groups })
    const user = await Users.userByName(sql, orgId, userName, { groups })
    return { total: user ? 1 : 0, items: user ? [user] : [], more: false }
  },
  create: (sql, orgId, resource, log) => Users.createUser(sql, orgId, resource, SCIM_ORIGIN, log),
  lock: Users.lockUser,
  // Membership is written through /Groups; a user's `groups` is read-only.
  write: (sql, orgId, locked, resource, _memberOps, log) => Users.writeUser(sql, orgId, locked, resource, log),
  putMemberOps: () => [],
  remove: Users.deleteUser,
  patchBody: 'always',
  // Clients send one op per attribute.
  maxOperations: 100,
  subject: (r) => ({
    userId: typeof r?.id === 'string' ? r.id : null,
    userName: typeof r?.userName === 'string' ? r.userName : null,
  }),
}

/**
 * The userName a list query looks up, when that is all it does: `userName eq "…"`
 * (userName is unique per organization, case-insensitively), from the first row, in
 * the default order. Such a page is the user or nothing, and takes the point lookup.
 */
export function userNameLookup({ filter: f, query: q }: Pick<ListPlan, 'filter' | 'query'>): string | undefined {
  if (!f || f.op !== 'eq' || typeof f.value !== 'string') return undefined
  if (q.after || q.sortBy !== undefined || q.startIndex !== 1 || q.count < 1) return undefined
  const r = resolveAttribute(USER, f.path)
  return r && !r.subAttribute && r.attribute.name === 'userName' ? f.value : undefined
}
