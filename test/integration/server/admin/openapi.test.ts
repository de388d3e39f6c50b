// The admin API's OpenAPI document (server/admin/openapi.ts): valid OpenAPI 3.1, served
// without a credential, listing every registered admin route with its scope, inputs,
// answer and errors; and the answers it documents are what the API really answers.
import { afterAll, beforeAll, describe, expect, expectTypeOf, test } from 'bun:test'
import type * as v from 'valibot'
import type { PreviewResult } from '../../../../bridge/messages'
import type { describeProviders } from '../../../../bridge/providers'
import type { Delivery } from '../../../../webhook/store'
import type { BridgeState } from '../../../../bridge/messages'
import type { WebhookRetry, WebhookState } from '../../../../webhook/messages'
import type { DirectoryGroup, DirectoryUser } from '../../../../server/directory/reads'
import type {
  BridgePreview, BridgeProvider, BridgeStateName, DirectoryGroupView, DirectoryUserView, RetryInForce, WebhookDelivery, WebhookStateName,
} from '../../../../server/admin/model'
import { Validator } from '@seriousme/openapi-schema-validator'
import Ajv2020 from 'ajv/dist/2020'
import { declaredAccess } from '../../../../server/admin/auth'
import { CREDENTIAL_FAILURES_PER_MINUTE } from '../../../../server/auth-failures'
import { FakeGraph, graphGroup, graphUser } from '../../../fixtures/fake-graph'
import { WebhookReceiver } from '../../../fixtures/webhook-receiver'
import { admin, call, newOrg, testApp, testSql, type Reply } from '../../../support'
import { eventually, harness, untilState, type Harness } from '../../workflows/bridge/harness'
import { client, userBody } from '../scim/helpers'

const BASE = '/api/admin/v1'
type App = Awaited<ReturnType<typeof testApp>>['app']
type Operation = {
  security: Record<string, string[]>[]
  parameters?: { name: string; in: string; required: boolean }[]
  requestBody?: { content: Record<string, { schema: object }> }
  responses: Record<string, { headers?: Record<string, { required?: boolean; schema: { type?: string } }>; content?: Record<string, { schema: object }> }>
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
      for (const status of ['429', '503']) {
        expect([name, status, op!.responses[status]?.headers]).toEqual([name, status, { 'Retry-After': expect.objectContaining({ required: true, schema: { type: 'integer', minimum: 1 } }) }])
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

/** `schema` with `additionalProperties: false` on each object that lists its properties and says nothing of others. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed)
  if (typeof schema !== 'object' || schema === null) return schema
  const walked = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]))
  return 'properties' in schema && !('additionalProperties' in schema) ? { ...walked, additionalProperties: false } : walked
}

describe('the answers it documents', () => {
  // Formats (uuid, date-time) are left unchecked: ajv needs a plugin for them; the shapes are what matters here.
  const ajv = new Ajv2020({ strict: false, validateFormats: false })
  /**
   * Checks `res` (of `status`, when given) against what the document says `method path`
   * answers with that status, its $refs resolved against the document's components and
   * its objects closed: a field the document does not name fails too.
   */
  function conforms(method: string, path: string, res: Reply, status?: number) {
    if (status !== undefined) expect([method, path, res.status, res.status === status ? null : res.body]).toEqual([method, path, status, null])
    const documented = operationOf(method, path)!.responses[String(res.status)]
    expect([method, path, res.status, documented !== undefined]).toEqual([method, path, res.status, true])
    for (const [name, header] of Object.entries(documented!.headers ?? {})) {
      const value = res.headers.get(name)
      const ok = value === null ? !header.required : ajv.validate(header.schema, header.schema.type === 'integer' ? Number(value) : value)
      expect([method, path, res.status, name, value, ok]).toEqual([method, path, res.status, name, value, true])
    }
    const schema = documented!.content?.['application/json']?.schema
    if (!schema) return expect([method, path, res.status, res.body || null]).toEqual([method, path, res.status, null])
    const validate = ajv.compile(closed({ ...schema, components: doc.components }) as object)
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

  test('429 and 503 say when to retry: Retry-After, in seconds', async () => {
    // One credential failing again and again: refused before it is looked up.
    const wrong = `wrong-${crypto.randomUUID()}`
    for (let i = 0; i < CREDENTIAL_FAILURES_PER_MINUTE; i++) expect((await call(app, 'GET', `${BASE}/organizations`, { token: wrong })).status).toBe(401)
    const refused = await call(app, 'GET', `${BASE}/organizations`, { token: wrong })
    expect([refused.status, refused.body.error.code, Number(refused.headers.get('retry-after'))]).toEqual([429, 'too_many_failures', 60 / CREDENTIAL_FAILURES_PER_MINUTE])
    conforms('GET', `${BASE}/organizations`, refused)
    // This app has no SECRETS_KEY: a bridge cannot be created (and the answer says what to set).
    const orgId = (await admin(app)('POST', '/organizations', { name: `org-${crypto.randomUUID().slice(0, 8)}` })).body.id
    const unavailable = await admin(app)('POST', `/organizations/${orgId}/bridges`, { provider: 'okta', settings: { orgUrl: 'https://acme.okta.com', apiToken: 'x' } })
    expect([unavailable.status, unavailable.body.error?.code]).toEqual([503, 'secrets_key_missing'])
    conforms('POST', `${BASE}/organizations/:orgId/bridges`, unavailable)
  })

  describe('with their workflows', () => {
    // A directory of 3 users and a group of 2 to sync; a receiver for the endpoint.
    const graph = new FakeGraph().populate(3)
    graph.groups.add(graphGroup(1, { displayName: 'Engineering' }), [graphUser(1).id, graphUser(2).id])
    const receiver = new WebhookReceiver()
    let h: Harness
    beforeAll(async () => void (h = await harness('openapi')))
    afterAll(() => Promise.all([h?.stop(), graph.stop(), receiver.stop()]))

    test('bridges, webhook endpoints, the directory and the change feed as answered', async () => {
      const as = h.api
      const name = `docs-${crypto.randomUUID()}`
      const { orgId, token } = await newOrg(h.app, name)
      try {
        // An endpoint first: the bridge's first sync is what it delivers.
        const hook = await as('POST', `/organizations/${orgId}/webhooks`, { url: receiver.url, description: 'docs', retry: { initialIntervalSeconds: 1 } })
        conforms('POST', `${BASE}/organizations/:orgId/webhooks`, hook, 201)
        receiver.secret = hook.body.secret
        const hookId = hook.body.id as string

        const body = { provider: 'microsoft-entra', name: 'Entra', settings: graph.settings(), intervalSeconds: 3600 }
        conforms('POST', `${BASE}/organizations/:orgId/bridges/preview`, await as('POST', `/organizations/${orgId}/bridges/preview`, body), 200)
        const created = await as('POST', `/organizations/${orgId}/bridges`, body)
        conforms('POST', `${BASE}/organizations/:orgId/bridges`, created, 201)
        const id = created.body.id as string
        await untilState(h, id, 'active')
        conforms('GET', `${BASE}/bridges/:id`, await as('GET', `/bridges/${id}`), 200)
        conforms('GET', `${BASE}/organizations/:orgId/bridges`, await as('GET', `/organizations/${orgId}/bridges`), 200)
        conforms('PATCH', `${BASE}/bridges/:id`, await as('PATCH', `/bridges/${id}`, { name: 'Entra (docs)', excludedEmails: ['nobody@example.com'] }), 200)
        conforms('POST', `${BASE}/bridges/:id/preview`, await as('POST', `/bridges/${id}/preview`), 200)
        conforms('GET', `${BASE}/bridges/:id/runs`, await as('GET', `/bridges/${id}/runs`), 200)
        conforms('GET', `${BASE}/organizations`, await as('GET', `/organizations?q=${name}`), 200)
        const paused = await as('POST', `/bridges/${id}/pause`)
        expect([paused.status, paused.body.state]).toEqual([200, 'paused'])
        conforms('POST', `${BASE}/bridges/:id/pause`, paused, 200)
        conforms('POST', `${BASE}/bridges/:id/sync`, await as('POST', `/bridges/${id}/sync`), 409) // paused
        conforms('POST', `${BASE}/bridges/:id/resume`, await as('POST', `/bridges/${id}/resume`), 200)
        conforms('POST', `${BASE}/bridges/:id/sync`, await as('POST', `/bridges/${id}/sync`), 200)
        conforms('POST', `${BASE}/bridges/:id/enable`, await as('POST', `/bridges/${id}/enable`), 409) // not disabled

        // The endpoint delivered the sync's events.
        const delivered = await eventually(() => as('GET', `/webhooks/${hookId}`), (r) => r.body.lastDelivery !== null, 'a delivery')
        conforms('GET', `${BASE}/webhooks/:id`, delivered, 200)
        conforms('GET', `${BASE}/organizations/:orgId/webhooks`, await as('GET', `/organizations/${orgId}/webhooks`), 200)
        conforms('GET', `${BASE}/webhooks/:id/deliveries`, await as('GET', `/webhooks/${hookId}/deliveries`), 200)
        conforms('PATCH', `${BASE}/webhooks/:id`, await as('PATCH', `/webhooks/${hookId}`, { description: null, eventTypes: ['user.created'] }), 200)
        conforms('POST', `${BASE}/webhooks/:id/pause`, await as('POST', `/webhooks/${hookId}/pause`), 200)
        conforms('POST', `${BASE}/webhooks/:id/resume`, await as('POST', `/webhooks/${hookId}/resume`), 200)
        conforms('POST', `${BASE}/webhooks/:id/enable`, await as('POST', `/webhooks/${hookId}/enable`), 409) // not disabled
        conforms('POST', `${BASE}/webhooks/:id/replay`, await as('POST', `/webhooks/${hookId}/replay`, { after: delivered.body.position }), 200)
        const rotated = await as('POST', `/webhooks/${hookId}/rotate-secret`)
        conforms('POST', `${BASE}/webhooks/:id/rotate-secret`, rotated, 200)
        receiver.secret = rotated.body.secret
        const tested = await as('POST', `/webhooks/${hookId}/test`)
        expect([tested.status, tested.body.ok]).toEqual([200, true])
        conforms('POST', `${BASE}/webhooks/:id/test`, tested, 200)

        // The directory the bridge wrote, a user added over SCIM, and their events.
        const scimUser = await client(h.app, token)('POST', '/Users', userBody())
        expect(scimUser.status).toBe(201)
        const users = await as('GET', `/organizations/${orgId}/users`)
        expect(users.body.items.length).toBe(4)
        conforms('GET', `${BASE}/organizations/:orgId/users`, users, 200)
        const bridged = users.body.items.find((u: { source: string }) => u.source === 'bridge')
        conforms('GET', `${BASE}/users/:id`, await as('GET', `/users/${bridged.id}`), 200)
        const groups = await as('GET', `/organizations/${orgId}/groups`)
        expect(groups.body.items.length).toBe(1)
        conforms('GET', `${BASE}/organizations/:orgId/groups`, groups, 200)
        conforms('GET', `${BASE}/groups/:id`, await as('GET', `/groups/${groups.body.items[0].id}`), 200)
        conforms('GET', `${BASE}/groups/:id/members`, await as('GET', `/groups/${groups.body.items[0].id}/members`), 200)
        conforms('GET', `${BASE}/organizations/:orgId/events`, await as('GET', `/organizations/${orgId}/events`), 200)
        conforms('GET', `${BASE}/users/:id/history`, await as('GET', `/users/${bridged.id}/history`), 200)
        conforms('GET', `${BASE}/users/:id/history`, await as('GET', `/users/${scimUser.body.id}/history`), 200)
        const calls = await eventually(() => as('GET', `/organizations/${orgId}/scim-events?source=scim`), (r) => r.body.items.length > 0, 'the SCIM call in the log')
        conforms('GET', `${BASE}/organizations/:orgId/scim-events`, calls, 200)
        conforms('GET', `${BASE}/organizations/:orgId/scim-events`, await as('GET', `/organizations/${orgId}/scim-events?source=bridge`), 200)

        conforms('DELETE', `${BASE}/webhooks/:id`, await as('DELETE', `/webhooks/${hookId}`), 204)
        conforms('DELETE', `${BASE}/bridges/:id`, await as('DELETE', `/bridges/${id}`), 204)
      } finally {
        // A later worker would adopt what is left.
        await h.sql`delete from organizations where id = ${orgId}`
      }
    }, 60_000)
  })
})

test('the documented answers agree with the server types they describe (checked by the typecheck)', () => {
  expectTypeOf<PreviewResult>().toEqualTypeOf<v.InferOutput<typeof BridgePreview>>()
  expectTypeOf<Delivery>().toEqualTypeOf<v.InferOutput<typeof WebhookDelivery>>()
  expectTypeOf<ReturnType<typeof describeProviders>[number]>().toMatchTypeOf<v.InferOutput<typeof BridgeProvider>>()
  expectTypeOf<DirectoryUser>().toEqualTypeOf<v.InferOutput<typeof DirectoryUserView>>()
  expectTypeOf<DirectoryGroup>().toEqualTypeOf<v.InferOutput<typeof DirectoryGroupView>>()
  expectTypeOf<BridgeState>().toEqualTypeOf<v.InferOutput<typeof BridgeStateName>>()
  expectTypeOf<WebhookState>().toEqualTypeOf<v.InferOutput<typeof WebhookStateName>>()
  expectTypeOf<Required<WebhookRetry>>().toEqualTypeOf<v.InferOutput<typeof RetryInForce>>()
})
