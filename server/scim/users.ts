// /Users: the shared verbs over server/users (the one writer of users).
import * as Users from '../users/store'
import { SCIM_ORIGIN } from '../users/model'
import type { ResourceStore } from './resources'
import { USER } from './schema'

export const userStore: ResourceStore<Users.LockedUser> = {
  rt: USER,
  relation: 'groups',
  get: (sql, orgId, id, groups) => Users.getUser(sql, orgId, id, { groups }),
  list: (sql, orgId, q, groups) => Users.listUsers(sql, orgId, q, { groups }),
  create: (sql, orgId, resource) => Users.createUser(sql, orgId, resource, SCIM_ORIGIN),
  lock: Users.lockUser,
  // Membership is written through /Groups; a user's `groups` is read-only.
  write: (sql, orgId, locked, resource) => Users.writeUser(sql, orgId, locked, resource),
  putMemberOps: () => [],
  remove: Users.deleteUser,
  patchBody: 'always',
  // The schema allows 100 values per multi-valued attribute; clients send one op per attribute.
  bodyLimits: { maxItems: 100, maxOperations: 100 },
  subject: (r) => ({
    userId: typeof r?.id === 'string' ? r.id : null,
    userName: typeof r?.userName === 'string' ? r.userName : null,
  }),
}
