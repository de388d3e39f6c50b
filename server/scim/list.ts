// List requests: the query string of GET /Users and /Groups, or the SearchRequest
// body of POST /.search (RFC 7644 §3.4.2-3), turned into a store ListQuery plus the
// projection; and the ListResponse. Cursors (RFC 9865) are keyset positions,
// HMAC-signed so a client cannot hand us a position we did not issue.
import { createHmac, timingSafeEqual } from 'node:crypto'
import { ScimError, invalidFilter, invalidValue } from './errors'
import type { Filter } from './filter/ast'
import { parseFilter } from './filter/parse'
import { filterToSql, sortAttribute } from './filter/to-sql'
import type { PageQuery, Position } from '../store/page'
import type { Projection } from './project'
import type { ResourceType } from '../schema/types'
import { isObject } from '../schema/types'

export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const SEARCH_REQUEST = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest'

export interface ListLimits {
  maxFilterLength: number
  defaultCount: number
  maxCount: number
}

/** The parameters as sent, before checking. Arrays come from a SearchRequest body. */
export interface RawListParams {
  filter?: unknown
  sortBy?: unknown
  sortOrder?: unknown
  startIndex?: unknown
  count?: unknown
  cursor?: unknown
  attributes?: unknown
  excludedAttributes?: unknown
}

const NAMES = ['filter', 'sortBy', 'sortOrder', 'startIndex', 'count', 'cursor', 'attributes', 'excludedAttributes'] as const

/** Query parameter names are matched case-insensitively (clients send `startindex`). */
export function paramsFromQuery(search: URLSearchParams): RawListParams {
  const out: Record<string, unknown> = {}
  for (const [k, v] of search) {
    const name = NAMES.find((n) => n.toLowerCase() === k.toLowerCase())
    if (name && !(name in out)) out[name] = v
  }
  return out
}

/** POST /.search: a SearchRequest; `attributes` may be arrays there. */
export function paramsFromBody(body: unknown): RawListParams {
  if (!isObject(body)) throw invalidValue('the search request must be a JSON object (a SearchRequest message)')
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(body)) {
    const name = NAMES.find((n) => n.toLowerCase() === k.toLowerCase())
    if (name) out[name] = v
  }
  return out
}

export interface ListPlan {
  /** The filter as parsed (for shortcuts such as the userName lookup); `query.where` is its SQL. */
  filter?: Filter
  query: PageQuery
  projection: Projection
  /** Cursor pagination was asked for (a `cursor` parameter, even empty). */
  cursor: boolean
  /** What binds a cursor to its query: the same filter and order must come with it. */
  fingerprint: string
}

/** `scope` (the tenant) joins the fingerprint, so a cursor works only where it was issued. */
export function planList(rt: ResourceType, raw: RawListParams, limits: ListLimits, cursors: CursorCodec, scope: string): ListPlan {
  const filterText = optionalString(raw.filter, 'filter')
  if (filterText?.includes('\0')) throw invalidFilter('the filter contains a NUL character')
  const filter: Filter | undefined =
    filterText === undefined || filterText.trim() === '' ? undefined : parseFilter(filterText, { maxLength: limits.maxFilterLength })
  const sortBy = optionalString(raw.sortBy, 'sortBy')?.trim() || undefined
  const sortOrder = optionalString(raw.sortOrder, 'sortOrder')?.trim().toLowerCase()
  if (sortOrder !== undefined && sortOrder !== '' && sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw invalidValue(`sortOrder must be "ascending" or "descending", not ${JSON.stringify(raw.sortOrder)}`)
  }
  const descending = sortOrder === 'descending'
  // RFC 7644 §3.4.2.4: a negative count is 0; more than the maximum is the maximum.
  const count = Math.min(Math.max(integer(raw.count, 'count') ?? limits.defaultCount, 0), limits.maxCount)
  // RFC 7644 §3.4.2.4: startIndex below 1 is 1.
  const startIndexGiven = integer(raw.startIndex, 'startIndex')
  const startIndex = Math.max(startIndexGiven ?? 1, 1)
  const cursorText = optionalString(raw.cursor, 'cursor')
  const fingerprint = JSON.stringify([scope, rt.id, filterText?.trim() ?? '', sortBy ?? '', descending])

  const query: PageQuery = {
    count,
    startIndex,
    descending,
    ...(filter ? { where: (sql) => filterToSql(sql, filter, rt) } : {}),
    ...(sortBy ? { sortBy: sortAttribute(sortBy, rt) } : {}),
  }
  if (cursorText !== undefined) {
    if (startIndexGiven !== undefined && startIndexGiven > 1) throw invalidValue('use either startIndex or cursor, not both')
    if (cursorText !== '') query.after = cursors.decode(cursorText, fingerprint)
  }
  return {
    ...(filter ? { filter } : {}),
    query,
    projection: { attributes: listOf(raw.attributes, 'attributes'), excludedAttributes: listOf(raw.excludedAttributes, 'excludedAttributes') },
    cursor: cursorText !== undefined,
    fingerprint,
  }
}

function optionalString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') throw invalidValue(`${name} must be a string`)
  return v
}

function integer(v: unknown, name: string): number | undefined {
  if (v === undefined || v === null || v === '') return undefined
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*-?\d{1,15}\s*$/.test(v) ? Number(v) : NaN
  if (!Number.isInteger(n)) throw invalidValue(`${name} must be an integer, not ${JSON.stringify(v)}`)
  return n
}

function listOf(v: unknown, name: string): string | string[] | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v === 'string') return v
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[]
  throw invalidValue(`${name} must be a comma-separated string or an array of attribute names`)
}

// ---- Cursors

/**
 * A cursor is `base64url(JSON payload).base64url(HMAC)`. The payload holds the last
 * row's position, the query's fingerprint and an expiry. Its values only ever reach
 * SQL as parameters inside the caller's organization, so the signature is not what
 * keeps tenants apart; it lets us answer an edited or forged cursor with a clear 400.
 */
export class CursorCodec {
  private readonly key: string

  constructor(
    secret: string,
    /** RFC 9865 cursorTimeout, seconds. */
    readonly timeoutSeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.key = `scim-cursor:${secret}`
  }

  encode(p: Position, fingerprint: string): string {
    const body = { k: p.key, i: p.id, f: fingerprint, e: Math.floor(this.now() / 1000) + this.timeoutSeconds }
    const payload = Buffer.from(JSON.stringify(body)).toString('base64url')
    return `${payload}.${this.sign(payload)}`
  }

  decode(cursor: string, fingerprint: string): Position {
    const [payload, signature, extra] = cursor.split('.')
    if (!payload || !signature || extra !== undefined || !this.verify(payload, signature)) {
      throw invalidCursor('the cursor is not one this server issued')
    }
    let p: unknown
    try {
      p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'))
    } catch {
      p = undefined
    }
    if (!isObject(p) || (p.k !== null && typeof p.k !== 'string') || typeof p.i !== 'string') throw invalidCursor('the cursor is malformed')
    if (p.f !== fingerprint) throw invalidCursor('the cursor belongs to a different query: send the same filter, sortBy and sortOrder with it')
    if (typeof p.e !== 'number' || p.e * 1000 < this.now()) {
      throw new ScimError(400, 'expiredCursor', 'the cursor has expired; start again with an empty cursor')
    }
    return { key: p.k, id: p.i }
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.key).update(payload).digest('base64url')
  }

  private verify(payload: string, signature: string): boolean {
    const expected = Buffer.from(this.sign(payload))
    const given = Buffer.from(signature)
    return expected.length === given.length && timingSafeEqual(expected, given)
  }
}

const invalidCursor = (detail: string) => new ScimError(400, 'invalidCursor', detail)
