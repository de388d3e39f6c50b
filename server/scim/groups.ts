// /Groups: the shared verbs over server/groups.
import * as Groups from '../groups/store'
import type { ResourceStore } from './resources'
import { GROUP } from './schema'

export const groupStore: ResourceStore<Groups.LockedGroup> = {
  rt: GROUP,
  relation: 'members',
  get: (sql, orgId, id, members) => Groups.getGroup(sql, orgId, id, { members }),
  list: (sql, orgId, q, members) => Groups.listGroups(sql, orgId, q, { members }),
  create: Groups.createGroup,
  lock: Groups.lockGroup,
  write: Groups.writeGroup,
  putMemberOps: Groups.putMemberOps,
  remove: Groups.deleteGroup,
  patchBody: 'onRequest',
  // Group requests concern no single user.
  subject: () => ({}),
}
