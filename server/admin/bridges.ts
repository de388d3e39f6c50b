// Admin API: bridges (README "Admin API"). Mounted inside the admin plugin (its errors);
// a bridge's id is looked up within the caller's organization when its key is bound to one.
import { Elysia } from 'elysia'
import { describeProviders } from '../../bridge/providers'
import { previewNewBridge, previewSavedBridge } from '../bridges/preview'
import * as Bridges from '../bridges/service'
import { CreateBridge, BridgePatch, RunsQuery } from '../bridges/model'
import { adminAuth, organizationOf, type Principal } from './auth'
import type { AdminDeps } from './deps'
import { BridgeParams, BridgePreview, BridgeProvider, BridgeRun, BridgeView, List, OrgParams, Page } from './model'
import { answers } from './openapi'

export function bridges(deps: AdminDeps) {
  const { sql } = deps
  type ById = { params: { id: string }; principal: Principal }
  const action = (name: Bridges.BridgeAction) => ({ params, principal }: ById) => Bridges.actOnBridge(deps, params.id, name, organizationOf(principal))

  return new Elysia({ name: 'admin-bridges' })
    .use(adminAuth(deps))
    // What each provider's settings are and need, for a form (the console's New bridge).
    .get('/bridge-providers', () => ({ items: describeProviders() }), { scope: 'admin', detail: answers(200, List(BridgeProvider)) })
    .post(
      '/organizations/:orgId/bridges',
      async ({ params, body, set }) => {
        const bridge = await Bridges.createBridge(deps, params.orgId, body)
        set.status = 201
        return bridge
      },
      { params: OrgParams, body: CreateBridge, scope: 'admin', detail: answers(201, BridgeView) },
    )
    .post('/organizations/:orgId/bridges/preview', ({ params, body }) => previewNewBridge(deps, params.orgId, body), {
      params: OrgParams,
      body: CreateBridge,
      scope: 'admin',
      detail: answers(200, BridgePreview),
    })
    .post('/bridges/:id/preview', ({ params, principal }) => previewSavedBridge(deps, params.id, organizationOf(principal)), { params: BridgeParams, scope: 'admin', detail: answers(200, BridgePreview) })
    .get('/organizations/:orgId/bridges', async ({ params }) => ({ items: await Bridges.listOrganizationBridges(deps, params.orgId) }), {
      params: OrgParams,
      scope: 'admin',
      detail: answers(200, List(BridgeView)),
    })
    .get('/bridges/:id', ({ params, principal }) => Bridges.getBridge(deps, params.id, organizationOf(principal)), { params: BridgeParams, scope: 'admin', detail: answers(200, BridgeView) })
    .patch('/bridges/:id', ({ params, body, principal }) => Bridges.updateBridge(deps, params.id, body, organizationOf(principal)), {
      params: BridgeParams,
      body: BridgePatch,
      scope: 'admin',
      detail: answers(200, BridgeView),
    })
    .delete(
      '/bridges/:id',
      async ({ params, set, principal }) => {
        await Bridges.deleteBridge(deps, params.id, organizationOf(principal))
        set.status = 204
      },
      { params: BridgeParams, scope: 'admin', detail: answers(204) },
    )
    .post('/bridges/:id/pause', action('pause'), { params: BridgeParams, scope: 'admin', detail: answers(200, BridgeView) })
    .post('/bridges/:id/resume', action('resume'), { params: BridgeParams, scope: 'admin', detail: answers(200, BridgeView) })
    .post('/bridges/:id/enable', action('enable'), { params: BridgeParams, scope: 'admin', detail: answers(200, BridgeView) })
    .post('/bridges/:id/sync', action('sync'), { params: BridgeParams, scope: 'admin', detail: answers(200, BridgeView) })
    .get('/bridges/:id/runs', ({ params, query, principal }) => Bridges.listRuns(sql, params.id, query, organizationOf(principal)), {
      params: BridgeParams,
      query: RunsQuery,
      scope: 'admin',
      detail: answers(200, Page(BridgeRun)),
    })
}
