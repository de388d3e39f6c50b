// The SCIM verbs on a resource type (RFC 7644 §3.3-3.6), written once for Users and
// Groups: each type plugs in its store. Handlers parse, validate, call the store in a
// transaction and render; the SQL lives in server/users and server/groups.
import type { Tx } from '../db/client'
import type { Stored } from '../store/columns'
import { notFound } from './errors'
import { type CursorCodec, type ListLimits, type ListPlan, type RawListParams, paramsFromBody, paramsFromQuery, planList } from './list'
import type { Page } from '../store/page'
import type { ChangeLog } from '../events/outbox'
import type { MemberOp } from '../groups/store'
import { applyPatch } from './patch'
import { checkArrays } from './limits'
import { type Reply, checkIfMatch, etag, etagMatches } from './reply'
import { listResponse, locationOf, renderProjected } from './render'
import type { ScimRequest } from './request'
import { isAttributeWanted, type Projection } from './project'
import { schemasOf } from '../schema'
import type { ResourceType, ScimObject } from '../schema/types'
import { MAX_VALUES, validateResource } from './validate'

/** What the verbs need from a resource type's store. */
export interface ResourceStore<Locked extends { stored: Stored }> {
  rt: ResourceType
  /** The read-only relation (User `groups`, Group `members`): loaded only when projected. */
  relation: string
  get(sql: Tx, orgId: string, id: string, withRelation: boolean): Promise<Stored | undefined>
  list(sql: Tx, orgId: string, plan: ListPlan, withRelation: boolean): Promise<Page<Stored>>
  create(sql: Tx, orgId: string, resource: ScimObject, log: ChangeLog): Promise<{ id: string }>
  /** The resource locked for update, without its relation. */
  lock(sql: Tx, orgId: string, id: string): Promise<Locked | undefined>
  /** Stores the new state; false when nothing changed (no new version). */
  write(sql: Tx, orgId: string, locked: Locked, resource: ScimObject, memberOps: MemberOp[], log: ChangeLog): Promise<boolean>
  /** The membership changes a PUT body implies (Groups); none for Users. */
  putMemberOps(resource: ScimObject): MemberOp[]
  remove(sql: Tx, orgId: string, id: string, log: ChangeLog): Promise<boolean>
  /**
   * PATCH answers 200 with the resource (Users), or 204 unless attributes were asked
   * for (Groups: a membership change would otherwise send back every member).
   */
  patchBody: 'always' | 'onRequest'
  /** Most PATCH operations in one request (see checkArrays). */
  maxOperations: number
  /** Who the request concerned, for the audit log. */
  subject(resource: ScimObject | undefined): { userId?: string | null; userName?: string | null }
}

export interface ListEnv {
  limits: ListLimits
  cursors: CursorCodec
}

export function resourceHandlers<Locked extends { stored: Stored }>(store: ResourceStore<Locked>, env: ListEnv) {
  const { rt } = store
  // The largest array a body may hold: the schema's limit, unless an attribute is unbounded.
  const maxItems = schemasOf(rt).some((s) => s.attributes.some((a) => a.unbounded)) ? Infinity : MAX_VALUES

  const projectionOf = (r: ScimRequest): Projection => {
    const p = paramsFromQuery(r.url.searchParams)
    return { attributes: p.attributes as string | undefined, excludedAttributes: p.excludedAttributes as string | undefined }
  }
  const wantsRelation = (p: Projection) => isAttributeWanted(rt, p, store.relation)

  /** A single resource with its ETag (and Location on 201). */
  const one = (r: ScimRequest, s: Stored, status: number, p: Projection): Reply => {
    const body = renderProjected(rt, s, r.base, p)
    const headers: Record<string, string> = { etag: etag(s.version) }
    if (status === 201) headers.location = locationOf(r.base, rt, s.id)
    return { status, body, headers, ...store.subject(s.resource) }
  }

  /** The body, with its arrays bounded before any pairwise work is done on them. */
  const body = async (r: ScimRequest) => {
    const value = await r.json()
    checkArrays(value, maxItems, store.maxOperations)
    return value
  }

  const mustGet = async (sql: Tx, r: ScimRequest, id: string, p: Projection) => {
    const s = await store.get(sql, r.tenant.organizationId, id, wantsRelation(p))
    if (!s) throw missing(rt, id)
    return s
  }

  const mustLock = async (tx: Tx, r: ScimRequest, id: string) => {
    const locked = await store.lock(tx, r.tenant.organizationId, id)
    if (!locked) throw missing(rt, id)
    checkIfMatch(r.headers, locked.stored.version)
    return locked
  }

  async function list(r: ScimRequest, raw: RawListParams): Promise<Reply> {
    const plan = planList(rt, raw, env.limits, env.cursors, r.tenant.organizationId)
    const page = await store.list(r.sql, r.tenant.organizationId, plan, wantsRelation(plan.projection))
    const resources = page.items.map((s) => renderProjected(rt, s, r.base, plan.projection))
    const next = plan.cursor && page.more && page.last ? env.cursors.encode(page.last, plan.fingerprint) : undefined
    return { status: 200, body: listResponse(resources, page.total, plan.cursor ? undefined : plan.query.startIndex, next) }
  }

  return {
    list: (r: ScimRequest) => list(r, paramsFromQuery(r.url.searchParams)),

    search: async (r: ScimRequest) => list(r, paramsFromBody(await r.json())),

    async get(r: ScimRequest, id: string): Promise<Reply> {
      const p = projectionOf(r)
      const s = await mustGet(r.sql, r, id, p)
      const ifNoneMatch = r.headers.get('if-none-match')
      if (ifNoneMatch && etagMatches(ifNoneMatch, s.version)) {
        return { status: 304, headers: { etag: etag(s.version) }, ...store.subject(s.resource) }
      }
      return one(r, s, 200, p)
    },

    async create(r: ScimRequest): Promise<Reply> {
      const resource = validateResource(rt, await body(r), 'create')
      const p = projectionOf(r)
      return r.transaction(async (tx, log) => {
        const { id } = await store.create(tx, r.tenant.organizationId, resource, log)
        return one(r, await mustGet(tx, r, id, p), 201, p)
      })
    },

    async replace(r: ScimRequest, id: string): Promise<Reply> {
      const resource = validateResource(rt, await body(r), 'replace')
      const p = projectionOf(r)
      return r.transaction(async (tx, log) => {
        const locked = await mustLock(tx, r, id)
        await store.write(tx, r.tenant.organizationId, locked, resource, store.putMemberOps(resource), log)
        return one(r, await mustGet(tx, r, id, p), 200, p)
      })
    },

    async patch(r: ScimRequest, id: string): Promise<Reply> {
      const patch = await body(r)
      const p = projectionOf(r)
      return r.transaction(async (tx, log) => {
        // Read-modify-write under the row lock: concurrent PATCHes apply one after the other.
        const locked = await mustLock(tx, r, id)
        const result = applyPatch(rt, locked.stored.resource, patch)
        const memberOps = result.memberOps ?? []
        let stored = false
        if (result.changed || memberOps.length > 0) {
          // The result is validated as a whole before anything is stored (atomic PATCH).
          const next = result.changed ? validateResource(rt, result.resource, 'patchResult') : locked.stored.resource
          stored = await store.write(tx, r.tenant.organizationId, locked, next, memberOps, log)
        }
        if (store.patchBody === 'onRequest' && p.attributes === undefined && p.excludedAttributes === undefined) {
          const version = locked.stored.version + (stored ? 1 : 0)
          return { status: 204, headers: { etag: etag(version) }, ...store.subject(locked.stored.resource) }
        }
        return one(r, await mustGet(tx, r, id, p), 200, p)
      })
    },

    async remove(r: ScimRequest, id: string): Promise<Reply> {
      return r.transaction(async (tx, log) => {
        const locked = await mustLock(tx, r, id)
        await store.remove(tx, r.tenant.organizationId, id, log)
        return { status: 204, ...store.subject(locked.stored.resource) }
      })
    },
  }
}

const missing = (rt: ResourceType, id: string) => notFound(`${rt.name} ${JSON.stringify(id)} not found`)
