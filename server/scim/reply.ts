// What a SCIM handler answers, before it becomes a Response: status, JSON body,
// headers, and what the audit log wants to know. Every answer under the SCIM base,
// errors included, is built here, so every one is `application/scim+json` and every
// error is the SCIM Error schema.
import { databaseTrouble, isUniqueViolation, RETRY_AFTER_SECONDS } from '../db/client'
import type { Log } from '../log'
import { NotUsers, UserNameTaken } from '../errors'
import { ScimError, invalidValue, uniqueness, type ScimType } from './errors'

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8'

export interface Reply {
  status: number
  /** A JSON value; undefined for 204 and 304. */
  body?: unknown
  headers?: Record<string, string>
  /** For the audit log: the user the request concerned, when known. */
  userId?: string | null
  userName?: string | null
  /** For the audit log: the error detail of a 4xx/5xx. */
  error?: string | null
  /** The body's JSON text, once bodyText() has made it: the response and the audit event share it. */
  json?: string
}

/** The JSON text of a reply's body (call only when it has one). */
export function bodyText(r: Reply): string {
  return (r.json ??= JSON.stringify(r.body))
}

/** A ScimError that also sets headers (WWW-Authenticate, Allow, Retry-After). */
export class ScimHttpError extends ScimError {
  constructor(
    status: number,
    scimType: ScimType | undefined,
    detail: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(status, scimType, detail)
  }
}

/** `hooked`: headers set outside the SCIM layer (the request id); the reply's own win. */
export function toResponse(r: Reply, hooked?: Record<string, string>): Response {
  const headers = new Headers(hooked ? { ...hooked, ...r.headers } : r.headers)
  if (r.body === undefined) return new Response(null, { status: r.status, headers })
  headers.set('content-type', SCIM_CONTENT_TYPE)
  return new Response(bodyText(r), { status: r.status, headers })
}

/**
 * Any thrown value as a SCIM error reply. Client mistakes the database catches
 * (a unique violation, a value Postgres cannot take) become 4xx; anything else is a
 * 500 whose cause goes to the log, never to the client.
 */
export function errorReply(e: unknown, log: Log, where: string): Reply {
  if (e instanceof ScimError) {
    return {
      status: e.status,
      body: e.toJSON(),
      headers: e instanceof ScimHttpError ? e.headers : undefined,
      error: e.detail,
    }
  }
  if (e instanceof UserNameTaken) return errorReply(uniqueness(e.message), log, where)
  if (e instanceof NotUsers) return errorReply(invalidValue(e.message), log, where)
  const code = (e as { code?: unknown } | null)?.code
  if (isUniqueViolation(e)) return errorReply(new ScimError(409, 'uniqueness', 'a unique attribute already has this value'), log, where)
  const trouble = databaseTrouble(e)
  if (trouble) {
    // 503 + Retry-After: an IdP retries it later, where a 500 would count as a failure.
    log.warn(`${where}: database ${trouble}`, { code, message: (e as Error).message })
    const detail =
      trouble === 'unavailable'
        ? 'the database cannot be reached right now (restarting or failing over); retry shortly'
        : code === '55P03'
          ? 'the resource is being changed by another writer (such as a directory sync); retry shortly'
          : 'the database took too long to answer; retry shortly'
    return errorReply(new ScimHttpError(503, undefined, detail, { 'retry-after': String(RETRY_AFTER_SECONDS) }), log, where)
  }
  if (typeof code === 'string' && code.startsWith('22')) {
    // Data exceptions (a value out of range, bad encoding): our validation should have
    // caught it first, so log it, but it is still the client's value that was wrong.
    log.warn(`${where}: database refused a value`, e)
    return errorReply(new ScimError(400, 'invalidValue', 'a value in the request cannot be stored'), log, where)
  }
  log.error(`${where}: unexpected error`, e)
  const err = new ScimError(500, undefined, 'internal server error; the cause is in the server log')
  return { status: 500, body: err.toJSON(), error: e instanceof Error ? e.message : String(e) }
}

// ---- ETags (RFC 7644 §3.14): meta.version is the weak ETag of the row's version.

export function etag(version: number): string {
  return `W/"${version}"`
}

/** Whether an If-Match / If-None-Match header lists this version (weak comparison, `*` matches any). */
export function etagMatches(header: string, version: number): boolean {
  const wanted = String(version)
  return header.split(',').some((tag) => {
    const t = tag.trim()
    if (t === '*') return true
    const m = /^(?:W\/)?"(.*)"$/i.exec(t)
    return (m ? m[1] : t) === wanted
  })
}

/** If-Match on a write: a different version means someone else changed it first (412). */
export function checkIfMatch(headers: Headers, version: number): void {
  const h = headers.get('if-match')
  if (h !== null && h.trim() !== '' && !etagMatches(h, version)) {
    throw new ScimError(412, 'invalidVers', `If-Match does not match the current version ${etag(version)}: the resource changed since it was read`)
  }
}
