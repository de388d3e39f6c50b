// Admin API: bridges (README "Admin API"). Mounted inside the admin plugin (its auth and errors).
import { Elysia } from 'elysia'
import * as Bridges from '../bridges/service'
import { CreateBridge, BridgePatch, RunsQuery } from '../bridges/model'
import { BridgeParams, OrgParams } from './model'

export function bridges(deps: Bridges.BridgeDeps) {
  const { sql } = deps
  const action = (name: Bridges.BridgeAction) => ({ params }: { params: { id: string } }) => Bridges.actOnBridge(deps, params.id, name)

  return new Elysia({ name: 'admin-bridges' })
    .post(
      '/organizations/:orgId/bridges',
      async ({ params, body, set }) => {
        const bridge = await Bridges.createBridge(deps, params.orgId, body)
        set.status = 201
        return bridge
      },
      { params: OrgParams, body: CreateBridge },
    )
    .get('/organizations/:orgId/bridges', async ({ params }) => ({ items: await Bridges.listOrganizationBridges(deps, params.orgId) }), {
      params: OrgParams,
    })
    .get('/bridges/:id', ({ params }) => Bridges.getBridge(deps, params.id), { params: BridgeParams })
    .patch('/bridges/:id', ({ params, body }) => Bridges.updateBridge(deps, params.id, body), { params: BridgeParams, body: BridgePatch })
    .delete(
      '/bridges/:id',
      async ({ params, set }) => {
        await Bridges.deleteBridge(deps, params.id)
        set.status = 204
      },
      { params: BridgeParams },
    )
    .post('/bridges/:id/pause', action('pause'), { params: BridgeParams })
    .post('/bridges/:id/resume', action('resume'), { params: BridgeParams })
    .post('/bridges/:id/enable', action('enable'), { params: BridgeParams })
    .post('/bridges/:id/sync', action('sync'), { params: BridgeParams })
    .get('/bridges/:id/runs', ({ params, query }) => Bridges.listRuns(sql, params.id, query.limit, query.cursor), {
      params: BridgeParams,
      query: RunsQuery,
    })
}
