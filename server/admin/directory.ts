// The directory read API (README "Directory API"): an organization's users and groups,
// as change events show them, for applications holding a directory:read key. The reads
// are server/directory/reads.ts; a user's or a group's id is looked up within the
// caller's organization when its key is bound to one (another's is a 404).
import { Elysia } from 'elysia'
import * as v from 'valibot'
import * as Directory from '../directory/reads'
import { getOrganization } from '../organizations/store'
import { adminAuth, organizationOf } from './auth'
import type { AdminDeps } from './deps'
import { Cursor, DirectoryGroupView as GroupView, DirectoryUserView as UserView, DirectoryUserWithGroups, IdParams, Limit, OrgParams, Page, Timestamp, Uuid } from './model'
import { answers } from './openapi'

const Paging = { limit: Limit(1000, '100'), cursor: v.optional(Cursor) }

const Prefix = v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(256, 'at most 256 characters')))

const UserQuery = v.object({
  ...Paging,
  active: v.optional(v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true'))),
  source: v.optional(v.picklist(['scim', 'bridge', 'manual'], 'must be scim, bridge or manual')),
  bridgeId: v.optional(Uuid),
  q: Prefix,
  updatedSince: v.optional(Timestamp),
})

const GroupQuery = v.object({ ...Paging, q: Prefix })

export function directory(deps: AdminDeps) {
  const { sql } = deps
  return new Elysia({ name: 'admin-directory' })
    .use(adminAuth(deps))
    .get(
      '/organizations/:orgId/users',
      async ({ params, query }) => Directory.listUsers(sql, (await getOrganization(sql, params.orgId)).id, query),
      { params: OrgParams, query: UserQuery, scope: 'directory:read', detail: answers(200, Page(UserView)) },
    )
    .get('/users/:id', ({ params, principal }) => Directory.getUser(sql, params.id, organizationOf(principal)), {
      params: IdParams,
      scope: 'directory:read',
      detail: answers(200, DirectoryUserWithGroups),
    })
    .get(
      '/organizations/:orgId/groups',
      async ({ params, query }) => Directory.listGroups(sql, (await getOrganization(sql, params.orgId)).id, query),
      { params: OrgParams, query: GroupQuery, scope: 'directory:read', detail: answers(200, Page(GroupView)) },
    )
    .get('/groups/:id', ({ params, principal }) => Directory.getGroup(sql, params.id, organizationOf(principal)), {
      params: IdParams,
      scope: 'directory:read',
      detail: answers(200, GroupView),
    })
    .get('/groups/:id/members', ({ params, query, principal }) => Directory.listMembers(sql, params.id, query, organizationOf(principal)), {
      params: IdParams,
      query: v.object(Paging),
      scope: 'directory:read',
      detail: answers(200, Page(UserView)),
    })
}
