// The audit log in the admin API. Mounted inside the admin plugin, so it inherits its
// { error: { code, message } } rendering; its routes declare their scope (admin/auth.ts).
import { Elysia } from 'elysia'
import * as v from 'valibot'
import { exportEventsCsv, listEvents, type StatusClass } from '../audit'
import { getOrganization } from '../organizations/store'
import { adminAuth } from './auth'
import type { AdminDeps } from './deps'
import { At, Cursor, Limit, OrgParams, Page, Timestamp, Uuid } from './model'
import { answers } from './openapi'

// Object-level, so the issue has no path of its own: the message names the parameter.
const sinceBeforeUntil = <T extends { since?: Date; until?: Date }>() =>
  v.check<T, string>((q) => !q.since || !q.until || q.since < q.until, 'until: must be later than since')

// The filters of the list and of the CSV export: an export is the filtered view, all pages of it.
const Filters = {
  method: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z]{1,16}$/, 'must be an HTTP method such as PATCH'), v.toUpperCase())),
  status: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[1-5](?:\d\d|xx)$/i, 'must be a status such as 409 or a class such as 4xx'),
      v.transform((s): number | StatusClass => (/x/i.test(s) ? (s.toLowerCase() as StatusClass) : Number(s))),
    ),
  ),
  userName: v.optional(v.pipe(v.string(), v.minLength(1, 'must not be empty'), v.maxLength(1024, 'at most 1024 characters'))),
  since: v.optional(Timestamp),
  until: v.optional(Timestamp),
  source: v.optional(v.picklist(['scim', 'bridge'], 'must be scim or bridge')),
}

const ListFields = v.object({ limit: Limit(500, '50'), cursor: v.optional(Cursor), ...Filters })
const ListQuery = v.pipe(ListFields, sinceBeforeUntil<v.InferOutput<typeof ListFields>>())

const CsvFields = v.object(Filters)
const CsvQuery = v.pipe(CsvFields, sinceBeforeUntil<v.InferOutput<typeof CsvFields>>())

// A stored SCIM call as listed (audit/reader.ts), for the OpenAPI document.
const ScimEvent = v.object({
  id: v.string(),
  organizationId: Uuid,
  scimConfigurationId: v.nullable(Uuid),
  bridgeId: v.nullable(Uuid),
  source: v.picklist(['scim', 'bridge']),
  method: v.string(),
  path: v.string(),
  status: v.number(),
  requestBody: v.pipe(v.unknown(), v.description('JSON when it was stored as JSON, else its text (e.g. when truncated)')),
  responseBody: v.unknown(),
  error: v.nullable(v.string()),
  userId: v.nullable(Uuid),
  userName: v.nullable(v.string()),
  ip: v.nullable(v.string()),
  userAgent: v.nullable(v.string()),
  durationMs: v.nullable(v.number()),
  createdAt: At,
})

const DAY_MS = 24 * 60 * 60 * 1000
const DEFAULT_EXPORT_DAYS = 30

export function events(deps: AdminDeps) {
  const { sql } = deps
  return new Elysia({ name: 'admin-events' })
    .use(adminAuth(deps))
    .get(
      '/organizations/:orgId/scim-events',
      async ({ params, query }) => {
        const org = await getOrganization(sql, params.orgId)
        return listEvents(sql, org.id, query)
      },
      { params: OrgParams, query: ListQuery, scope: 'admin', detail: answers(200, Page(ScimEvent)) },
    )
    .get(
      '/organizations/:orgId/scim-events.csv',
      async ({ params, query: q }) => {
        const org = await getOrganization(sql, params.orgId)
        const until = q.until ?? new Date()
        const since = q.since ?? new Date(until.getTime() - DEFAULT_EXPORT_DAYS * DAY_MS)
        const body = exportEventsCsv(sql, org.id, { ...q, since, until })
        const name = `scim-events-${org.id}-${since.toISOString().slice(0, 10)}-${until.toISOString().slice(0, 10)}.csv`
        return new Response(body, {
          headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"`, 'cache-control': 'no-store' },
        })
      },
      { params: OrgParams, query: CsvQuery, scope: 'admin', detail: answers(200, v.string(), 'text/csv') },
    )
}
