// The admin API: /api/admin/v1, bearer ADMIN_TOKEN or an access key, JSON errors
// { error: { code, message } }. Every route declares the scope it needs (admin/auth.ts);
// inputs are checked by each route's schemas (admin/model.ts); errors are mapped in one
// place (admin/errors.ts) for this plugin and the route groups it mounts.
import { Elysia } from 'elysia'
import * as Orgs from '../organizations/store'
import { apiKeys } from './api-keys'
import { adminAuth, organizationOf, requireDeclaredScope } from './auth'
import { bridges } from './bridges'
import type { AdminDeps } from './deps'
import { directory } from './directory'
import { ADMIN_ERRORS, answerErrors } from './errors'
import { events } from './events'
import { feed } from './feed'
import { webhooks } from './webhooks'
import { CreateOrganization, OrganizationPage, OrgParams } from './model'

export type { AdminDeps }

export const ADMIN_PREFIX = '/api/admin/v1'

export function admin(deps: AdminDeps) {
  const { sql, config } = deps
  const scimEndpoint = `${config.PUBLIC_URL}/api/connect/v1/scim/2.0`

  return new Elysia({ name: 'admin', prefix: ADMIN_PREFIX })
    .error(ADMIN_ERRORS)
    .onError(answerErrors(deps.log))
    // Fails closed: a route (here or in a mounted group) without a scope option is refused.
    .onBeforeHandle(requireDeclaredScope)
    .use(adminAuth(deps))
    .post(
      '/organizations',
      async ({ body, set }) => {
        set.status = 201
        return Orgs.createOrganization(sql, body.name)
      },
      { body: CreateOrganization, scope: 'admin', unbound: true },
    )
    .get(
      '/organizations',
      async ({ query, principal }) => {
        // A key bound to an organization lists that one only.
        const items = await Orgs.listOrganizations(sql, { limit: query.limit, after: query.after, only: organizationOf(principal), nameContains: query.q })
        return { items, nextCursor: items.length === query.limit ? items.at(-1)!.id : null }
      },
      { query: OrganizationPage, scope: 'admin' },
    )
    .get('/organizations/:orgId', ({ params }) => Orgs.getOrganization(sql, params.orgId), { params: OrgParams, scope: 'admin' })
    .post(
      '/organizations/:orgId/scim-configuration',
      async ({ params, set }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        const conf = await Orgs.createScimConfiguration(sql, org.id)
        set.status = 201
        set.headers['cache-control'] = 'no-store' // the token, shown once
        return { id: conf.id, organizationId: org.id, endpointUrl: scimEndpoint, token: conf.token, createdAt: conf.createdAt }
      },
      { params: OrgParams, scope: 'admin' },
    )
    .get(
      '/organizations/:orgId/scim-configuration',
      async ({ params }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        return { ...(await Orgs.getScimConfiguration(sql, org.id)), endpointUrl: scimEndpoint }
      },
      { params: OrgParams, scope: 'admin' },
    )
    .post(
      '/organizations/:orgId/scim-configuration/token',
      async ({ params, set }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        set.status = 201
        set.headers['cache-control'] = 'no-store'
        return Orgs.rotateScimToken(sql, org.id)
      },
      { params: OrgParams, scope: 'admin' },
    )
    .delete(
      '/organizations/:orgId/scim-configuration',
      async ({ params, set }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        await Orgs.deleteScimConfiguration(sql, org.id)
        set.status = 204
      },
      { params: OrgParams, scope: 'admin' },
    )
    .use(events(deps))
    .use(feed(deps))
    .use(webhooks(deps))
    .use(directory(deps))
    .use(bridges(deps))
    .use(apiKeys(deps))
}
