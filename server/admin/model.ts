// The admin API's request schemas (valibot): routes declare them as params, query and
// body, and Elysia checks them before the handler runs. Bridge bodies: bridges/model.ts.
import * as v from 'valibot'
import type { BridgeState } from '../../bridge/messages'
import { providers } from '../../bridge/providers'
import type { WebhookState } from '../../webhook/messages'
import { SCOPES } from '../access-keys/store'
import { isCalendarDate } from '../dates'
import { Name } from '../names'

export const Uuid = v.pipe(v.string(), v.uuid('must be a UUID'))

export const OrgParams = v.object({ orgId: Uuid })
/** A route's `:id`: a bridge's, an access key's, a user's or a group's. */
export const IdParams = v.object({ id: Uuid })
export const BridgeParams = IdParams
export const KeyParams = IdParams

/** A page size from 1 to `max`, `fallback` when absent. */
export const Limit = (max: number, fallback: string) =>
  v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,4}$/, `must be an integer from 1 to ${max}`),
      v.transform(Number),
      v.minValue(1, `must be an integer from 1 to ${max}`),
      v.maxValue(max, `must be an integer from 1 to ${max}`),
    ),
    fallback,
  )

/** A change event's id, as the feed hands them out (server/events/feed.ts). */
export const EventId = v.pipe(v.string(), v.regex(/^evt_\d{16}$/, 'must be an event id returned by this API'))

/** An opaque cursor of a previous page; its store checks what it holds. */
export const Cursor = v.pipe(v.string(), v.maxLength(200, 'is not a cursor returned by this API'))

const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2}))?$/i

/**
 * An ISO 8601 date (UTC midnight) or timestamp with a zone. A `+` offset that arrived
 * unencoded in a query string reads as a space; it is put back.
 */
export const Timestamp = v.pipe(
  v.string(),
  v.transform((s) => s.replace(/ (\d{2}:?\d{2})$/, '+$1')),
  v.check((s) => {
    const m = TIMESTAMP.exec(s)
    if (!m) return false
    return isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]))
  }, 'must be an ISO 8601 date or timestamp with a zone, e.g. 2025-01-31 or 2025-01-31T12:00:00Z'),
  v.transform((s) => new Date(s)),
  v.check((d) => !Number.isNaN(d.getTime()), 'is not a valid date'),
)

export const CreateOrganization = v.object({ name: Name })

export const OrganizationPage = v.object({
  limit: Limit(500, '100'),
  after: v.optional(Uuid),
  /** Part of the name, any case. */
  q: v.optional(v.pipe(v.string(), v.trim(), v.maxLength(200, 'at most 200 characters'))),
})

export const CreateApiKey = v.object({
  name: Name,
  scopes: v.pipe(
    v.array(v.picklist(SCOPES, `must be one of ${SCOPES.join(', ')}`), 'must be an array of scopes'),
    v.minLength(1, `must name at least one scope: ${SCOPES.join(', ')}`),
    v.transform((scopes) => [...new Set(scopes)]),
  ),
  organizationId: v.optional(v.nullable(Uuid), null),
})

// The admin API's answers, for its OpenAPI document (admin/openapi.ts) only: nothing
// checks them at run time (Elysia's `response` option would, and would strip fields).
// Objects are loose where a view has more than the fields a client relies on.

/** A time in an answer: a Date, sent as ISO 8601. */
export const At = v.pipe(v.string(), v.isoTimestamp())

export const ErrorBody = v.object({
  error: v.object({ code: v.pipe(v.string(), v.description('stable, machine-readable: not_found, conflict, forbidden…')), message: v.pipe(v.string(), v.description('what happened and what to do')) }),
})

export const Organization = v.object({ id: Uuid, name: v.string(), createdAt: At })

export const ProviderName = v.picklist(providers)
export const BridgeStateName = v.picklist(['pending', 'syncing', 'active', 'failed', 'disabled', 'paused'] satisfies BridgeState[])
export const WebhookStateName = v.picklist(['active', 'paused', 'disabled'] satisfies WebhookState[])

export const OrganizationSummary = v.object({
  ...Organization.entries,
  scimEnabled: v.boolean(),
  activeUsers: v.number(),
  bridges: v.array(v.object({ id: Uuid, provider: ProviderName, state: BridgeStateName })),
})

export const ScimConfiguration = v.object({ id: Uuid, organizationId: Uuid, endpointUrl: v.pipe(v.string(), v.url()), createdAt: At, rotatedAt: v.nullable(At) })
/** Shown once: the SCIM token. */
export const NewScimConfiguration = v.object({ ...v.omit(ScimConfiguration, ['rotatedAt']).entries, token: v.string() })
export const ScimToken = v.object({ token: v.string(), rotatedAt: At })

export const AccessKey = v.object({ id: Uuid, name: v.string(), scopes: v.array(v.picklist(SCOPES)), organizationId: v.nullable(Uuid), createdAt: At, lastUsedAt: v.nullable(At) })
/** Shown once: the key itself. */
export const NewAccessKey = v.object({ ...v.omit(AccessKey, ['lastUsedAt']).entries, key: v.string() })

/** `{ items }`: a whole list. */
export const List = <T extends v.GenericSchema>(item: T) => v.object({ items: v.array(item) })
/** `{ items, nextCursor }`: a page; nextCursor is null on the last one. */
export const Page = <T extends v.GenericSchema>(item: T) => v.object({ items: v.array(item), nextCursor: v.nullable(v.string()) })

const Count = v.pipe(v.number(), v.integer(), v.minValue(0))
const Conflict = v.object({ externalId: v.string(), userName: v.string(), reason: v.string() })
const GroupCounts = { groupsCreated: Count, groupsUpdated: Count, groupsDeleted: Count, membershipsAdded: Count, membershipsRemoved: Count }

/** A sync of a bridge (server/bridges/service.ts BridgeRun). */
export const BridgeRun = v.object({
  id: Uuid,
  attempt: Count,
  startedAt: At,
  finishedAt: v.nullable(At),
  outcome: v.picklist(['running', 'succeeded', 'failed', 'cancelled']),
  error: v.nullable(v.string()),
  created: Count, updated: Count, deactivated: Count, unchanged: Count, excluded: Count, conflicts: Count,
  conflictSamples: v.array(Conflict),
  ...GroupCounts,
})

/** What a sync would do now (bridge/messages.ts PreviewResult). */
export const BridgePreview = v.object({
  counts: v.object({ create: Count, update: Count, reactivate: Count, deactivate: Count, unchanged: Count, excluded: Count, conflicts: Count, ...GroupCounts }),
  samples: v.object({
    create: v.array(v.object({ userName: v.string(), email: v.nullable(v.string()) })),
    update: v.array(v.object({ userName: v.string(), changes: v.record(v.string(), v.unknown()) })),
    deactivate: v.array(v.object({ userName: v.string() })),
    conflicts: v.array(Conflict),
  }),
  refused: v.pipe(v.nullable(v.string()), v.description('the guard that would stop the sync, and why; null when it would run')),
})

/** A provider as the new-bridge form shows it (bridge/providers.ts describeProviders). */
export const BridgeProvider = v.object({
  provider: ProviderName,
  label: v.string(),
  needs: v.pipe(v.array(v.string()), v.description('the permissions its credentials need')),
  fields: v.array(
    v.object({
      name: v.string(),
      label: v.string(),
      help: v.string(),
      input: v.picklist(['text', 'url', 'email', 'multiline']),
      placeholder: v.optional(v.string()),
      required: v.boolean(),
      secret: v.boolean(),
    }),
  ),
})

/** One delivery attempt of a webhook (webhook/store.ts Delivery); `id` and `createdAt` in the log. */
export const WebhookDelivery = v.object({
  eventId: v.string(),
  eventType: v.string(),
  attempt: Count,
  ok: v.boolean(),
  responseStatus: v.nullable(v.number()),
  latencyMs: v.number(),
  responseExcerpt: v.nullable(v.string()),
  error: v.nullable(v.string()),
})
export const LoggedDelivery = v.object({ id: v.string(), ...WebhookDelivery.entries, createdAt: At })

/** The retry settings in force, defaults included: a bridge's and a webhook endpoint's. */
export const RetryInForce = v.object({ initialIntervalSeconds: Count, maximumIntervalSeconds: Count, maxConsecutiveFailures: Count })

/** A bridge as the admin API answers it (bridges/view.ts), for the OpenAPI document only. */
export const BridgeView = v.object({
  id: Uuid,
  organizationId: Uuid,
  name: v.nullable(v.string()),
  provider: ProviderName,
  state: BridgeStateName,
  /** Why each action would be refused now (409), null when it would run. */
  refusals: v.object({ pause: v.nullable(v.string()), resume: v.nullable(v.string()), enable: v.nullable(v.string()), sync: v.nullable(v.string()) }),
  usersManaged: v.number(),
  syncingSince: v.nullable(At),
  consecutiveFailures: v.number(),
  lastSyncAt: v.nullable(At),
  nextSyncAt: v.nullable(At),
  lastError: v.nullable(v.string()),
  intervalSeconds: v.number(),
  excludedEmails: v.array(v.string()),
  retry: RetryInForce,
  maxDeactivationRatio: v.number(),
  syncGroups: v.boolean(),
  /** Without secrets; null when this server cannot open them (no or another SECRETS_KEY). */
  settings: v.nullable(v.record(v.string(), v.unknown())),
  workflowId: v.string(),
  workflowUrl: v.optional(v.pipe(v.string(), v.url())),
  createdAt: At,
  updatedAt: At,
})

// The directory's views (server/directory/reads.ts DirectoryUser, DirectoryGroup), as its
// reads answer them and its change events carry them.
const DirectoryBase = { id: Uuid, organizationId: Uuid, externalId: v.nullable(v.string()), bridgeId: v.nullable(Uuid), createdAt: At, updatedAt: At, version: v.number() }
export const DirectoryUserView = v.object({
  ...DirectoryBase,
  userName: v.string(),
  active: v.boolean(),
  name: v.object({ givenName: v.nullable(v.string()), familyName: v.nullable(v.string()), formatted: v.nullable(v.string()) }),
  displayName: v.nullable(v.string()),
  emails: v.nullable(v.array(v.object({ value: v.optional(v.string()), type: v.optional(v.string()), primary: v.optional(v.boolean()) }))),
  title: v.nullable(v.string()),
  department: v.nullable(v.string()),
  employeeNumber: v.nullable(v.string()),
  manager: v.nullable(v.object({ id: v.string() })),
  source: v.picklist(['scim', 'bridge', 'manual']),
})
/** One user as read alone: with the groups it is a member of. */
export const DirectoryUserWithGroups = v.object({ ...DirectoryUserView.entries, groups: v.array(v.object({ id: Uuid, displayName: v.string() })) })
export const DirectoryGroupView = v.object({ ...DirectoryBase, displayName: v.string(), source: v.picklist(['scim', 'bridge']), memberCount: Count })
