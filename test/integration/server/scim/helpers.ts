// SCIM test wiring on top of test/support.ts: an app with its own audit buffer (so
// tests can flush it), a fresh tenant, and a client that speaks application/scim+json.
import { AuditBuffer } from '../../../../server/audit'
import { createLog } from '../../../../server/log'
import { migratedSql, newOrg, reply, testApp, type Reply } from '../../../support'

export const BASE = '/api/connect/v1/scim/2.0'
export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error'

type Handle = { handle(r: Request): Promise<Response> }

export async function scimApp(env: Record<string, string> = {}) {
  const sql = await migratedSql()
  const audit = new AuditBuffer(sql, createLog('error'), { flushMs: 10 })
  const t = await testApp({ env, audit })
  return { ...t, audit }
}

export type Send = (method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<Reply>

/**
 * A SCIM client for one token. `path` is relative to the SCIM base; a string body
 * is sent as is (for malformed input), anything else as JSON.
 */
export function client(app: Handle, token: string | null): Send {
  return async (method, path, body, headers = {}) => {
    const h: Record<string, string> = { ...headers }
    if (token !== null) h.authorization ??= `Bearer ${token}`
    let payload: string | Uint8Array | undefined
    if (body !== undefined) {
      payload = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body)
      if (!Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) h['content-type'] = 'application/scim+json'
    }
    return reply(await app.handle(new Request(`http://localhost${BASE}${path}`, { method, headers: h, body: payload })))
  }
}

/** A fresh organization and a client holding its token. */
export async function tenant(app: Handle) {
  const org = await newOrg(app)
  return { ...org, scim: client(app, org.token) }
}

let n = 0
/** A unique userName per call, so tests never collide. */
export function uniqueName(prefix = 'user'): string {
  return `${prefix}.${Date.now().toString(36)}.${(n++).toString(36)}@example.com`
}

export function userBody(userName = uniqueName(), extra: Record<string, unknown> = {}) {
  return {
    schemas: [USER_SCHEMA],
    userName,
    name: { givenName: 'Barbara', familyName: 'Jensen' },
    emails: [{ value: userName, type: 'work', primary: true }],
    active: true,
    ...extra,
  }
}

export const patchBody = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations })

/** Asserts the SCIM Error shape and returns the body. */
export function expectError(r: Reply, status: number, scimType?: string) {
  const ok =
    r.status === status &&
    r.headers.get('content-type') === 'application/scim+json; charset=utf-8' &&
    Array.isArray(r.body?.schemas) &&
    r.body.schemas[0] === ERROR &&
    r.body.status === String(status) &&
    (scimType === undefined ? true : r.body.scimType === scimType)
  if (!ok) throw new Error(`expected SCIM error ${status}${scimType ? ` ${scimType}` : ''}, got ${r.status} ${r.headers.get('content-type')} ${JSON.stringify(r.body)}`)
  return r.body as { status: string; scimType?: string; detail: string }
}

/** The `n` of a `select count(*)::int as n ...` query. */
export async function countOf(q: PromiseLike<readonly Record<string, unknown>[]>): Promise<number> {
  return (await q)[0]!.n as number
}

// biome-ignore lint: rows are loosely typed in assertions
export type AnyRow = Record<string, any>
