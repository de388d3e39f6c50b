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
  // A POST that renames a user by externalId (REFERENCE.md) also answers 201 with
  // Location: the client asked for a create and gets the resource in the state it sent,
  // under the id it already knew; provisioning clients expect 201 from a create.
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
