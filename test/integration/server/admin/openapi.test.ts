// The admin API's OpenAPI document (server/admin/openapi.ts): valid OpenAPI 3.1, served
// without a credential, listing every registered admin route with its scope, inputs,
// answer and errors; and the answers it documents are what the API really answers.
import { beforeAll, describe, expect, expectTypeOf, test } from 'bun:test'
import type * as v from 'valibot'
import type { PreviewResult } from '../../../../bridge/messages'
import type { describeProviders } from '../../../../bridge/providers'
import type { Delivery } from '../../../../webhook/store'
import type { BridgePreview, BridgeProvider, WebhookDelivery } from '../../../../server/admin/model'
import { Validator } from '@seriousme/openapi-schema-validator'
import Ajv2020 from 'ajv/dist/2020'
import { declaredAccess } from '../../../../server/admin/auth'
import { admin, call, testApp, testSql, type Reply } from '../../../support'

const BASE = '/api/admin/v1'
type App = Awaited<ReturnType<typeof testApp>>['app']
type Operation = {
  security: Record<string, string[]>[]
  parameters?: { name: string; in: string; required: boolean }[]
  requestBody?: { content: Record<string, { schema: object }> }
  responses: Record<string, { content?: Record<string, { schema: object }> }>
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, object> } }

let app: App
let doc: Document
beforeAll(async () => {
  ;({ app } = await testApp())
  const res = await call(app, 'GET', `${BASE}/openapi.json`)
  expect([res.status, res.headers.get('content-type')?.startsWith('application/json')]).toEqual([200, true])
  doc = res.body
})

const adminRoutes = () => app.routes.filter((r) => r.path.startsWith(`${BASE}/`))
const operationOf = (method: string, path: string) => doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()]

describe('the document', () => {
  test('is valid OpenAPI 3.1 by the specification\'s own schema', async () => {
    const validator = new Validator()
    const result = await validator.validate(doc)
    expect(validator.version).toBe('3.1')
    expect(result.errors ?? []).toEqual([])
    expect(result.valid).toBe(true)
  })

  test('is served without a credential, and is the only admin route that is', async () => {
    const open = adminRoutes().filter((r) => declaredAccess(r).public)
    expect(open.map((r) => `${r.method} ${r.path}`)).toEqual([`GET ${BASE}/openapi.json`])
    expect(operationOf('GET', `${BASE}/openapi.json`)!.security).toEqual([])
  })

  test('lists every registered admin route with its method, scope, inputs, answer and errors', () => {
    const routes = adminRoutes().filter((r) => !declaredAccess(r).public)
    expect(routes.length).toBeGreaterThanOrEqual(40)
    const listed = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).length, 0)
    expect(listed).toBe(routes.length + 1) // and the document itself

    for (const route of routes) {
      const name = `${route.method} ${route.path}`
      const op = operationOf(route.method, route.path)
      expect([name, op !== undefined]).toEqual([name, true])
      const { scope, unbound } = declaredAccess(route)
      expect([name, op!.security]).toEqual([name, [{ adminApi: [scope!] }]])
      if (unbound) expect([name, (op as Record<string, unknown>)['x-unbound']]).toEqual([name, true])

      const pathParams = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!)
      const params = op!.parameters ?? []
      expect([name, params.filter((p) => p.in === 'path').map((p) => [p.name, p.required])]).toEqual([name, pathParams.map((p) => [p, true])])
      const query = route.hooks.query as { entries?: Record<string, unknown>; pipe?: { entries?: Record<string, unknown> }[] } | undefined
      const queryFields = Object.keys(query?.entries ?? query?.pipe?.[0]?.entries ?? {})
      expect([name, params.filter((p) => p.in === 'query').map((p) => p.name).sort()]).toEqual([name, queryFields.sort()])
      expect([name, op!.requestBody !== undefined]).toEqual([name, route.hooks.body !== undefined])

      const statuses = Object.keys(op!.responses)
      expect([name, statuses.some((s) => /^2\d\d$/.test(s))]).toEqual([name, true])
      const errors = ['401', '403', '429', '503', ...(pathParams.length || route.hooks.query || route.hooks.body || route.hooks.params ? ['400'] : []), ...(pathParams.length ? ['404'] : [])]
      for (const status of errors) {
        expect([name, status, op!.responses[status]?.content?.['application/json']?.schema]).toEqual([name, status, { $ref: '#/components/schemas/Error' }])
      }
    }
  })

  test("carries the validating schemas' constraints: a body's limits, a query's defaults, a path id's format", () => {
    const create = operationOf('POST', `${BASE}/organizations`)!.requestBody!.content['application/json']!.schema
    expect(create).toMatchObject({ type: 'object', required: ['name'], properties: { name: { type: 'string', minLength: 1, maxLength: 200 } } })
    const users = operationOf('GET', `${BASE}/organizations/:orgId/users`)!.parameters!
    expect(users.find((p) => p.name === 'orgId')).toMatchObject({ in: 'path', required: true, schema: { type: 'string', format: 'uuid' } })
    expect(users.find((p) => p.name === 'limit')).toMatchObject({ in: 'query', required: false, schema: { type: 'string', default: '100' } })
    expect(users.find((p) => p.name === 'source')).toMatchObject({ schema: { enum: ['scim', 'bridge', 'manual'] } })
    // A bridge's settings: one shape per provider.
    const bridge = JSON.stringify(operationOf('POST', `${BASE}/organizations/:orgId/bridges`)!.requestBody)
    for (const provider of ['okta', 'scim', 'microsoft-entra']) expect(bridge).toContain(`"const":"${provider}"`)
  })
})

describe('the answers it documents', () => {
  // Formats (uuid, date-time) are left unchecked: ajv needs a plugin for them; the shapes are what matters here.
  const ajv = new Ajv2020({ strict: false, validateFormats: false })
  /** Checks `res` against what the document says `method path` answers with that status (its $refs resolved against the document's components). */
  function conforms(method: string, path: string, res: Reply) {
    const documented = operationOf(method, path)!.responses[String(res.status)]
    expect([method, path, res.status, documented !== undefined]).toEqual([method, path, res.status, true])
    const schema = documented!.content?.['application/json']?.schema
    if (!schema) return expect([method, path, res.status, res.body || null]).toEqual([method, path, res.status, null])
    const validate = ajv.compile({ ...schema, components: doc.components })
    const ok = validate(res.body)
    expect([method, path, res.status, ok ? [] : validate.errors]).toEqual([method, path, res.status, []])
  }

  test('organizations, SCIM configuration, access keys and errors as answered', async () => {
    const as = admin(app)
    const org = await as('POST', '/organizations', { name: `org-${crypto.randomUUID().slice(0, 8)}` })
    conforms('POST', `${BASE}/organizations`, org)
    conforms('GET', `${BASE}/organizations/:orgId`, await as('GET', `/organizations/${org.body.id}`))
    conforms('GET', `${BASE}/organizations`, await as('GET', '/organizations?limit=2'))
    conforms('POST', `${BASE}/organizations/:orgId/scim-configuration`, await as('POST', `/organizations/${org.body.id}/scim-configuration`))
    conforms('GET', `${BASE}/organizations/:orgId/scim-configuration`, await as('GET', `/organizations/${org.body.id}/scim-configuration`))
    conforms('POST', `${BASE}/organizations/:orgId/scim-configuration/token`, await as('POST', `/organizations/${org.body.id}/scim-configuration/token`))
    conforms('DELETE', `${BASE}/organizations/:orgId/scim-configuration`, await as('DELETE', `/organizations/${org.body.id}/scim-configuration`))
    const key = await as('POST', '/api-keys', { name: 'docs', scopes: ['directory:read'], organizationId: org.body.id })
    conforms('POST', `${BASE}/api-keys`, key)
    conforms('GET', `${BASE}/api-keys`, await as('GET', '/api-keys'))
    conforms('GET', `${BASE}/organizations/:orgId/users`, await as('GET', `/organizations/${org.body.id}/users`))
    conforms('GET', `${BASE}/organizations/:orgId/events`, await as('GET', `/organizations/${org.body.id}/events`))
    conforms('GET', `${BASE}/organizations/:orgId/scim-events`, await as('GET', `/organizations/${org.body.id}/scim-events`))
    // Errors: 400, 401, 403, 404.
    conforms('GET', `${BASE}/organizations/:orgId`, await as('GET', '/organizations/not-a-uuid'))
    conforms('GET', `${BASE}/organizations/:orgId`, await as('GET', `/organizations/${crypto.randomUUID()}`))
    conforms('GET', `${BASE}/organizations`, await call(app, 'GET', `${BASE}/organizations`))
    conforms('GET', `${BASE}/organizations`, await call(app, 'GET', `${BASE}/organizations`, { token: key.body.key }))
    conforms('DELETE', `${BASE}/api-keys/:id`, await as('DELETE', `/api-keys/${key.body.id}`))
  })

  test('bridge providers, bridge runs and webhook deliveries as answered', async () => {
    const as = admin(app)
    conforms('GET', `${BASE}/bridge-providers`, await as('GET', '/bridge-providers'))
    // Rows straight in the database: these reads need no workflow.
    const orgId = (await as('POST', '/organizations', { name: `org-${crypto.randomUUID().slice(0, 8)}` })).body.id
    const sql = testSql()
    try {
      const [bridge] = await sql<{ id: string }[]>`
        insert into bridges (organization_id, provider, settings_encrypted, interval_seconds) values (${orgId}, 'okta', 'v1:not-read', 900) returning id`
      await sql`
        insert into bridge_runs (organization_id, bridge_id, finished_at, outcome, created, conflicts, conflict_samples)
        values (${orgId}, ${bridge!.id}, now(), 'succeeded', 3, 1, ${JSON.stringify([{ externalId: 'x1', userName: 'a@x', reason: 'userName taken' }])}::text::jsonb),
               (${orgId}, ${bridge!.id}, null, 'running', 0, 0, '[]')`
      conforms('GET', `${BASE}/bridges/:id/runs`, await as('GET', `/bridges/${bridge!.id}/runs`))
      const [endpoint] = await sql<{ id: string }[]>`
        insert into webhook_endpoints (organization_id, url, secret_encrypted, cursor_seq) values (${orgId}, 'https://hooks.example.com/x', 'v1:not-read', 0) returning id`
      await sql`
        insert into webhook_deliveries (endpoint_id, event_id, event_type, attempt, ok, response_status, latency_ms, response_excerpt)
        values (${endpoint!.id}, 'evt_0000000000000001', 'user.created', 1, true, 200, 12, 'ok'),
               (${endpoint!.id}, 'evt_0000000000000002', 'user.updated', 2, false, null, 10000, null)`
      conforms('GET', `${BASE}/webhooks/:id/deliveries`, await as('GET', `/webhooks/${endpoint!.id}/deliveries`))
    } finally {
      // A worker elsewhere in the suite would adopt these made-up rows.
      await sql`delete from organizations where id = ${orgId}`
    }
  })
})

test('the documented answers agree with the server types they describe (checked by the typecheck)', () => {
  expectTypeOf<PreviewResult>().toEqualTypeOf<v.InferOutput<typeof BridgePreview>>()
  expectTypeOf<Delivery>().toEqualTypeOf<v.InferOutput<typeof WebhookDelivery>>()
  expectTypeOf<ReturnType<typeof describeProviders>[number]>().toMatchTypeOf<v.InferOutput<typeof BridgeProvider>>()
})
