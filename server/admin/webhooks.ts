// Webhook endpoints in the admin API (README "Webhooks"): managed with `webhooks:write`,
// read with `events:read`. Answers that carry a signing secret are never cached.
import { Elysia } from 'elysia'
import * as v from 'valibot'
import { Retry, withoutNulls } from '../bridges/model'
import { EVENT_TYPES } from '../events/outbox'
import * as Webhooks from '../webhooks/service'
import { adminAuth, organizationOf, type Principal } from './auth'
import type { AdminDeps } from './deps'
import { At, EventId, IdParams, Limit, List, LoggedDelivery, OrgParams, Page, RetryInForce, Uuid, WebhookDelivery, WebhookStateName } from './model'
import { answers } from './openapi'

const Url = v.pipe(
  v.string('a URL'),
  v.trim(),
  v.url('must be a URL'),
  v.check((s) => /^https?:\/\//i.test(s), 'must be an http(s) URL'),
  v.maxLength(2000, 'at most 2000 characters'),
)
const EventTypes = v.pipe(
  v.array(v.picklist(EVENT_TYPES, `must be event types: ${EVENT_TYPES.join(', ')}`), 'must be an array of event types'),
  v.minLength(1, 'must name at least one event type (or be left out for all)'),
  v.transform((types) => [...new Set(types)]),
)
const Description = v.pipe(v.string('a string'), v.maxLength(500, 'at most 500 characters'))

const CreateWebhook = v.object({
  url: Url,
  eventTypes: v.optional(v.nullable(EventTypes)),
  description: v.optional(v.nullable(Description)),
  retry: v.optional(Retry),
})
const PatchWebhook = v.partial(CreateWebhook)
const Replay = v.object({ after: EventId })
const DeliveriesQuery = v.object({ limit: Limit(200, '50'), cursor: v.optional(v.pipe(v.string(), v.regex(/^\d{1,19}$/, 'is not a cursor returned by this API'))) })

// An endpoint as answered (webhooks/service.ts), for the OpenAPI document.
const Webhook = v.object({
  id: Uuid,
  organizationId: Uuid,
  url: v.string(),
  eventTypes: v.nullable(v.array(v.picklist(EVENT_TYPES))),
  description: v.nullable(v.string()),
  state: WebhookStateName,
  consecutiveFailures: v.number(),
  lastError: v.nullable(v.string()),
  retry: RetryInForce,
  /** The last event the endpoint is past: where a replay would start from. */
  position: v.nullable(v.string()),
  pendingEvents: v.number(),
  oldestPendingAt: v.nullable(At),
  lastDelivery: v.nullable(v.object({ at: At, ok: v.boolean(), responseStatus: v.nullable(v.number()) })),
  workflowId: v.string(),
  createdAt: At,
  updatedAt: At,
})
/** Shown on creation and rotation only. */
const Secret = { secret: v.string() }

const retryOf = (retry: v.InferOutput<typeof Retry> | undefined) => retry && withoutNulls(retry)

export function webhooks(deps: AdminDeps) {
  const noStore = (set: { headers: Record<string, string | number> }) => (set.headers['cache-control'] = 'no-store')
  type ById = { params: { id: string }; principal: Principal }
  const action = (name: Webhooks.WebhookAction) => ({ params, principal }: ById) => Webhooks.actOnWebhook(deps, params.id, name, organizationOf(principal))

  return new Elysia({ name: 'admin-webhooks' })
    .use(adminAuth(deps))
    .post(
      '/organizations/:orgId/webhooks',
      async ({ params, body, set }) => {
        const created = await Webhooks.createWebhook(deps, params.orgId, { ...body, retry: retryOf(body.retry) })
        set.status = 201
        noStore(set)
        return created
      },
      { params: OrgParams, body: CreateWebhook, scope: 'webhooks:write', detail: answers(201, v.object({ ...Webhook.entries, ...Secret })) },
    )
    .get('/organizations/:orgId/webhooks', async ({ params }) => ({ items: await Webhooks.listWebhooks(deps, params.orgId) }), {
      params: OrgParams,
      scope: 'events:read',
      detail: answers(200, List(Webhook)),
    })
    .get('/webhooks/:id', ({ params, principal }) => Webhooks.getWebhook(deps, params.id, organizationOf(principal)), { params: IdParams, scope: 'events:read', detail: answers(200, Webhook) })
    .patch(
      '/webhooks/:id',
      ({ params, body, principal }) => Webhooks.updateWebhook(deps, params.id, body, organizationOf(principal)),
      { params: IdParams, body: PatchWebhook, scope: 'webhooks:write', detail: answers(200, Webhook) },
    )
    .delete(
      '/webhooks/:id',
      async ({ params, principal, set }) => {
        await Webhooks.deleteWebhook(deps, params.id, organizationOf(principal))
        set.status = 204
      },
      { params: IdParams, scope: 'webhooks:write', detail: answers(204) },
    )
    .post('/webhooks/:id/pause', action('pause'), { params: IdParams, scope: 'webhooks:write', detail: answers(200, Webhook) })
    .post('/webhooks/:id/resume', action('resume'), { params: IdParams, scope: 'webhooks:write', detail: answers(200, Webhook) })
    .post('/webhooks/:id/enable', action('enable'), { params: IdParams, scope: 'webhooks:write', detail: answers(200, Webhook) })
    .post('/webhooks/:id/test', ({ params, principal }) => Webhooks.testWebhook(deps, params.id, organizationOf(principal)), { params: IdParams, scope: 'webhooks:write', detail: answers(200, WebhookDelivery) })
    .post(
      '/webhooks/:id/rotate-secret',
      async ({ params, principal, set }) => {
        noStore(set)
        return Webhooks.rotateWebhookSecret(deps, params.id, organizationOf(principal))
      },
      { params: IdParams, scope: 'webhooks:write', detail: answers(200, v.object(Secret)) },
    )
    .post('/webhooks/:id/replay', ({ params, body, principal }) => Webhooks.replayWebhook(deps, params.id, body.after, organizationOf(principal)), {
      params: IdParams,
      body: Replay,
      scope: 'webhooks:write',
      detail: answers(200, Webhook),
    })
    .get('/webhooks/:id/deliveries', ({ params, query, principal }) => Webhooks.webhookDeliveries(deps, params.id, query, organizationOf(principal)), {
      params: IdParams,
      query: DeliveriesQuery,
      scope: 'events:read',
      detail: answers(200, Page(LoggedDelivery)),
    })
}
