// The admin API: /api/admin/v1, bearer ADMIN_TOKEN, JSON errors { error: { code, message } }.
import { Elysia } from 'elysia'
import * as v from 'valibot'
import type { Deps } from '../deps'
import { databaseTrouble, RETRY_AFTER_SECONDS } from '../db/client'
import { ApiError, bearer, parseInput, safeEqual } from '../http'
import { bridges } from './bridges'
import { events } from './events'
import { CreateOrganization, Uuid } from './model'
import * as Orgs from '../organizations/store'

const PageQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be an integer'), v.transform(Number), v.minValue(1), v.maxValue(500)), '100'),
  after: v.optional(Uuid),
})

export function admin(deps: Deps) {
  const { sql, config } = deps
  const scimEndpoint = `${config.PUBLIC_URL}/api/connect/v1/scim/2.0`

  return new Elysia({ name: 'admin', prefix: '/api/admin/v1' })
    .onError(({ code, error, set }) => {
      if (error instanceof ApiError) {
        set.status = error.status
        return { error: { code: error.code, message: error.message } }
      }
      if (code === 'PARSE') {
        set.status = 400
        return { error: { code: 'invalid_json', message: 'the request body is not valid JSON' } }
      }
      if (code === 'NOT_FOUND') {
        set.status = 404
        return { error: { code: 'not_found', message: 'no such admin route' } }
      }
      const trouble = databaseTrouble(error)
      if (trouble) {
        deps.log.warn(`admin: database ${trouble}`, { code: (error as { code?: unknown }).code, message: (error as Error).message })
        set.status = 503
        set.headers['retry-after'] = String(RETRY_AFTER_SECONDS)
        return trouble === 'busy'
          ? { error: { code: 'busy', message: 'the row is held by another writer (such as a directory sync) or the database is slow; retry shortly' } }
          : { error: { code: 'database_unavailable', message: 'the database cannot be reached right now (restarting or failing over); retry shortly' } }
      }
      deps.log.error('admin: unexpected error', error)
      set.status = 500
      return { error: { code: 'internal', message: 'internal error; see the server log' } }
    })
    .onBeforeHandle(({ request }) => {
      // No configured token means the admin API is closed, never open.
      if (!config.ADMIN_TOKEN) throw new ApiError(401, 'unauthorized', 'the admin API is disabled: set ADMIN_TOKEN on the server')
      const token = bearer(request.headers.get('authorization'))
      if (!token || !safeEqual(token, config.ADMIN_TOKEN)) {
        throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <ADMIN_TOKEN>')
      }
    })
    .post('/organizations', async ({ body, set }) => {
      const input = parseInput(CreateOrganization, body)
      set.status = 201
      return Orgs.createOrganization(sql, input.name)
    })
    .get('/organizations', async ({ query }) => {
      const q = parseInput(PageQuery, query)
      const items = await Orgs.listOrganizations(sql, q.limit, q.after)
      return { items, nextCursor: items.length === q.limit ? items.at(-1)!.id : null }
    })
    .get('/organizations/:orgId', ({ params }) => Orgs.getOrganization(sql, parseInput(Uuid, params.orgId)))
    .post('/organizations/:orgId/scim-configuration', async ({ params, set }) => {
      const org = await Orgs.getOrganization(sql, parseInput(Uuid, params.orgId))
      const conf = await Orgs.createScimConfiguration(sql, org.id)
      set.status = 201
      return { id: conf.id, organizationId: org.id, endpointUrl: scimEndpoint, token: conf.token, createdAt: conf.createdAt }
    })
    .get('/organizations/:orgId/scim-configuration', async ({ params }) => {
      const org = await Orgs.getOrganization(sql, parseInput(Uuid, params.orgId))
      return { ...(await Orgs.getScimConfiguration(sql, org.id)), endpointUrl: scimEndpoint }
    })
    .post('/organizations/:orgId/scim-configuration/token', async ({ params, set }) => {
      const org = await Orgs.getOrganization(sql, parseInput(Uuid, params.orgId))
      set.status = 201
      return Orgs.rotateScimToken(sql, org.id)
    })
    .delete('/organizations/:orgId/scim-configuration', async ({ params, set }) => {
      const org = await Orgs.getOrganization(sql, parseInput(Uuid, params.orgId))
      await Orgs.deleteScimConfiguration(sql, org.id)
      set.status = 204
    })
    .use(events(deps))
    .use(bridges(deps))
}
