// Admin API: bridges (README "Admin API"). Mounted inside the admin plugin (its auth and errors).
import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import * as Bridges from '../bridges/service'
import { RunsQuery } from '../bridges/model'
import { parseInput } from '../http'
import { Uuid } from './model'

export function bridges(deps: Deps) {
  const { sql } = deps
  const action = (name: Bridges.BridgeAction) => ({ params }: { params: { id: string } }) =>
    Bridges.actOnBridge(deps, parseInput(Uuid, params.id), name)

  return new Elysia({ name: 'admin-bridges' })
    .post('/organizations/:orgId/bridges', async ({ params, body, set }) => {
      const bridge = await Bridges.createBridge(deps, parseInput(Uuid, params.orgId), body)
      set.status = 201
      return bridge
    })
    .get('/organizations/:orgId/bridges', async ({ params }) => ({
      items: await Bridges.listOrganizationBridges(deps, parseInput(Uuid, params.orgId)),
    }))
    .get('/bridges/:id', ({ params }) => Bridges.getBridge(deps, parseInput(Uuid, params.id)))
    .patch('/bridges/:id', ({ params, body }) => Bridges.updateBridge(deps, parseInput(Uuid, params.id), body))
    .delete('/bridges/:id', async ({ params, set }) => {
      await Bridges.deleteBridge(deps, parseInput(Uuid, params.id))
      set.status = 204
    })
    .post('/bridges/:id/pause', action('pause'))
    .post('/bridges/:id/resume', action('resume'))
    .post('/bridges/:id/enable', action('enable'))
    .post('/bridges/:id/sync', action('sync'))
    .get('/bridges/:id/runs', ({ params, query }) => {
      const q = parseInput(RunsQuery, query)
      return Bridges.listRuns(sql, parseInput(Uuid, params.id), q.limit, q.cursor)
    })
}
