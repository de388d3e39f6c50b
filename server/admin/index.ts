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
import { answers, openApiDocument } from './openapi'
import { webhooks } from './webhooks'
import { CreateOrganization, NewScimConfiguration, Organization, OrganizationPage, OrganizationSummary, OrgParams, Page, ScimConfiguration, ScimToken } from './model'

export type { AdminDeps }

export const ADMIN_PREFIX = '/api/admin/v1'

export function admin(deps: AdminDeps) {
  const { sql, config } = deps
  const scimEndpoint = `${config.PUBLIC_URL}/api/connect/v1/scim/2.0`

  const api = new Elysia({ name: 'admin', prefix: ADMIN_PREFIX })
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
      { body: CreateOrganization, scope: 'admin', unbound: true, detail: answers(201, Organization) },
    )
    .get(
      '/organizations',
      async ({ query, principal }) => {
        // A key bound to an organization lists that one only.
        const items = await Orgs.listOrganizations(sql, { limit: query.limit, after: query.after, only: organizationOf(principal), nameContains: query.q })
        return { items, nextCursor: items.length === query.limit ? items.at(-1)!.id : null }
      },
      { query: OrganizationPage, scope: 'admin', detail: answers(200, Page(OrganizationSummary)) },
    )
    .get('/organizations/:orgId', ({ params }) => Orgs.getOrganization(sql, params.orgId), { params: OrgParams, scope: 'admin', detail: answers(200, Organization) })
    .post(
      '/organizations/:orgId/scim-configuration',
      async ({ params, set }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        const conf = await Orgs.createScimConfiguration(sql, org.id)
        set.status = 201
        set.headers['cache-control'] = 'no-store' // the token, shown once
        return { id: conf.id, organizationId: org.id, endpointUrl: scimEndpoint, token: conf.token, createdAt: conf.createdAt }
      },
      { params: OrgParams, scope: 'admin', detail: answers(201, NewScimConfiguration) },
    )
    .get(
      '/organizations/:orgId/scim-configuration',
      async ({ params }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        return { ...(await Orgs.getScimConfiguration(sql, org.id)), endpointUrl: scimEndpoint }
      },
      { params: OrgParams, scope: 'admin', detail: answers(200, ScimConfiguration) },
    )
    .post(
      '/organizations/:orgId/scim-configuration/token',
      async ({ params, set }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        set.status = 201
        set.headers['cache-control'] = 'no-store'
        return Orgs.rotateScimToken(sql, org.id)
      },
      { params: OrgParams, scope: 'admin', detail: answers(201, ScimToken) },
    )
    .delete(
      '/organizations/:orgId/scim-configuration',
      async ({ params, set }) => {
        const org = await Orgs.getOrganization(sql, params.orgId)
        await Orgs.deleteScimConfiguration(sql, org.id)
        set.status = 204
      },
      { params: OrgParams, scope: 'admin', detail: answers(204) },
    )
    .use(events(deps))
    .use(feed(deps))
    .use(webhooks(deps))
    .use(directory(deps))
    .use(bridges(deps))
    .use(apiKeys(deps))

  // Describes the routes above (and itself); they are fixed once built, so it is made once.
  let document: ReturnType<typeof openApiDocument> | undefined
  return api.get('/openapi.json', () => (document ??= openApiDocument(api.routes, config.PUBLIC_URL)), { public: true, detail: answers(200) })
}
