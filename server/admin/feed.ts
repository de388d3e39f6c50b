// The directory's events in the admin API (README "Change events"): an organization's
// change feed, oldest first, with long polling; and a user's history, newest first.
import { Elysia } from 'elysia'
import * as v from 'valibot'
import { NotFound } from '../errors'
import { readFeed, seqOf, userHistory } from '../events/feed'
import { eventWaiter } from '../events/waiter'
import { type DeactivationReason, EVENT_TYPES, type EventType } from '../events/outbox'
import { getOrganization } from '../organizations/store'
import { adminAuth, organizationOf } from './auth'
import type { AdminDeps } from './deps'
import { At, DirectoryGroupView, DirectoryUserView, EventId, IdParams, Limit, OrgParams, Page, Uuid } from './model'
import { answers } from './openapi'


/** The longest a feed request waits for events (`waitSeconds`); the server's idle timeout is above it (app.ts). */
export const MAX_WAIT_SECONDS = 30

const FeedQuery = v.object({
  after: v.optional(EventId),
  types: v.optional(
    v.pipe(
      v.string(),
      v.transform((s) => s.split(',').map((t) => t.trim()).filter(Boolean)),
      v.check((list) => list.every((t) => (EVENT_TYPES as readonly string[]).includes(t)), `must be a comma-separated list of ${EVENT_TYPES.join(', ')}`),
      v.transform((list) => list as EventType[]),
    ),
  ),
  limit: Limit(1000, '100'),
  waitSeconds: v.optional(v.pipe(v.string(), v.regex(/^\d{1,2}$/, `must be 0 to ${MAX_WAIT_SECONDS}`), v.transform(Number), v.maxValue(MAX_WAIT_SECONDS, `must be 0 to ${MAX_WAIT_SECONDS}`)), '0'),
})

const HistoryQuery = v.object({ cursor: v.optional(EventId), limit: Limit(200, '50') })

// A change event as the feed answers it (events/feed.ts), for the OpenAPI document.
const DirectoryEvent = v.object({
  id: v.string(),
  type: v.picklist(EVENT_TYPES),
  organizationId: Uuid,
  occurredAt: At,
  source: v.variant('kind', [
    v.object({ kind: v.literal('scim'), scimEventId: v.nullable(v.string()) }),
    v.object({ kind: v.literal('bridge'), bridgeId: Uuid, runId: v.nullable(v.string()) }),
    v.object({ kind: v.literal('admin') }),
  ]),
  data: v.pipe(
    v.union([DirectoryUserView, DirectoryGroupView, v.object({ groupId: Uuid, userId: Uuid })]),
    v.description("user.*: the user's view after the change (before it, for user.deleted); group.created, .updated, .deleted: the group's; group.member_*: the membership"),
  ),
  changes: v.optional(v.record(v.string(), v.tuple([v.unknown(), v.unknown()]))),
  reason: v.optional(v.picklist(['missing', 'disabled', 'excluded'] satisfies DeactivationReason[])),
})
const ScimCall = v.object({ method: v.string(), path: v.string(), status: v.number(), ip: v.nullable(v.string()), userAgent: v.nullable(v.string()) })
const HistoryEntry = v.object({ ...DirectoryEvent.entries, scimCall: v.optional(ScimCall) })

export function feed(deps: AdminDeps) {
  const { sql } = deps
  return new Elysia({ name: 'admin-feed' })
    .use(adminAuth(deps))
    .get(
      '/organizations/:orgId/events',
      async ({ params, query, request }) => {
        const org = await getOrganization(sql, params.orgId)
        const deadline = performance.now() + query.waitSeconds * 1000
        // Waits from the last number seen, not from `after`: events `types` leaves out move it too.
        let seen: string | bigint = query.after ? seqOf(query.after, 'after') : 0n
        for (;;) {
          const page = await readFeed(sql, org.id, query)
          if (page.items.length > 0 || performance.now() >= deadline || request.signal.aborted) return page
          seen = (await eventWaiter(sql).until(org.id, seen, deadline - performance.now(), request.signal)) ?? seen
        }
      },
      { params: OrgParams, query: FeedQuery, scope: 'events:read', detail: answers(200, Page(DirectoryEvent)) },
    )
    .get(
      '/users/:id/history',
      async ({ params, query, principal }) => {
        const history = await userHistory(sql, params.id, query)
        // Another organization's user is as unknown as one that never was.
        const bound = organizationOf(principal)
        if (!history || (bound !== undefined && bound !== history.organizationId)) throw new NotFound(`user ${params.id} has no history (no such user)`)
        return { items: history.items, nextCursor: history.nextCursor }
      },
      { params: IdParams, query: HistoryQuery, scope: 'directory:read', detail: answers(200, Page(HistoryEntry)) },
    )
}
