// Admin API: access keys (README "Access keys"). Minting, listing and revoking keys is
// for ADMIN_TOKEN or an unbound admin key. A key is shown once, in the create answer.
import { Elysia } from 'elysia'
import * as Keys from '../access-keys/store'
import { getOrganization } from '../organizations/store'
import { adminAuth } from './auth'
import type { AdminDeps } from './deps'
import { AccessKey, CreateApiKey, KeyParams, List, NewAccessKey } from './model'
import { answers } from './openapi'

export function apiKeys(deps: AdminDeps) {
  const { sql } = deps
  return new Elysia({ name: 'admin-api-keys' })
    .use(adminAuth(deps))
    .post(
      '/api-keys',
      async ({ body, set }) => {
        const org = body.organizationId === null ? null : await getOrganization(sql, body.organizationId)
        const created = await Keys.createKey(sql, { name: body.name, scopes: body.scopes, organizationId: org?.id ?? null })
        set.status = 201
        set.headers['cache-control'] = 'no-store'
        return created
      },
      { body: CreateApiKey, scope: 'admin', unbound: true, detail: answers(201, NewAccessKey) },
    )
    .get('/api-keys', async () => ({ items: await Keys.listKeys(sql) }), { scope: 'admin', unbound: true, detail: answers(200, List(AccessKey)) })
    .delete(
      '/api-keys/:id',
      async ({ params, set }) => {
        await Keys.revokeKey(sql, params.id)
        set.status = 204
      },
      { params: KeyParams, scope: 'admin', unbound: true, detail: answers(204) },
    )
}
