// /Groups: the shared verbs over server/groups.
import * as Groups from '../groups/store'
import type { ResourceStore } from './resources'
import { GROUP } from '../schema'

export const groupStore: ResourceStore<Groups.LockedGroup> = {
  rt: GROUP,
  relation: 'members',
  get: (sql, orgId, id, members) => Groups.getGroup(sql, orgId, id, { members }),
  list: (sql, orgId, plan, members) => Groups.listGroups(sql, orgId, plan.query, { members }),
  create: Groups.createGroup,
  lock: Groups.lockGroup,
  write: Groups.writeGroup,
  putMemberOps: Groups.putMemberOps,
  remove: Groups.deleteGroup,
  patchBody: 'onRequest',
  // Member lists are unbounded (the schema says so). Operations are not: the engine
  // folds consecutive ones by set union, which grows quadratically (1,000 ops of one
  // member each take ~0.2 s; 10,000 take seconds). Clients send a few ops of many members.
  maxOperations: 1000,
  // Group requests concern no single user.
  subject: () => ({}),
}
