// Console sessions: the console's login exchanges ADMIN_TOKEN (or an `admin` access key)
// for a session cookie, so the browser never holds the token itself (no localStorage).
//
// The cookie is `<token>.<signature>`: 32 random bytes, and an HMAC of them under a key
// derived from ADMIN_TOKEN. The signature is checked first (a forged or stale cookie costs
// no query) and makes a new ADMIN_TOKEN end every session at once, on every replica. The
// row (its token's SHA-256) makes logout final and ties a key's session to the key:
// revoking the key deletes its sessions (migration 0013).
import type { Tx } from '../db/client'
import { safeEqual } from '../http'
import { hashToken, newToken } from '../organizations/token'
import type { Scope } from '../access-keys/store'

export const SESSION_COOKIE = 'scim_bridge_session'
/** A session lasts this long from login, whatever happens: then log in again. */
export const SESSION_SECONDS = 12 * 60 * 60

export type SessionHolder = { scopes: Scope[]; organizationId: string | null; accessKeyId: string | null }

function signature(token: string, adminToken: string): string {
  const key = new Bun.CryptoHasher('sha256').update(`console-session:${adminToken}`).digest()
  return new Bun.CryptoHasher('sha256', key).update(token).digest('base64url')
}

/** The token of a well-formed, correctly signed cookie value; undefined otherwise. */
function verified(value: string, adminToken: string): string | undefined {
  const [token, sig, ...rest] = value.split('.')
  if (!token || !sig || rest.length || !/^cs_[A-Za-z0-9_-]{43}$/.test(token)) return undefined
  return safeEqual(sig, signature(token, adminToken)) ? token : undefined
}

/** A new session for ADMIN_TOKEN (accessKeyId null) or an access key: the cookie's value. */
export async function startSession(sql: Tx, adminToken: string, accessKeyId: string | null): Promise<string> {
  const token = newToken('cs_')
  // Expired rows go when someone logs in: the table stays as small as the live sessions.
  await sql`delete from console_sessions where expires_at < now()`
  await sql`
    insert into console_sessions (token_hash, access_key_id, expires_at)
    values (${hashToken(token)}, ${accessKeyId}, now() + ${SESSION_SECONDS} * interval '1 second')`
  return `${token}.${signature(token, adminToken)}`
}

/** Who a cookie's session belongs to, or undefined: forged, expired, logged out, key revoked, or ADMIN_TOKEN changed. */
export async function sessionHolder(sql: Tx, adminToken: string, value: string): Promise<SessionHolder | undefined> {
  const token = verified(value, adminToken)
  if (!token) return undefined
  const [row] = await sql<{ accessKeyId: string | null; scopes: Scope[] | null; organizationId: string | null }[]>`
    select s.access_key_id, k.scopes, k.organization_id
    from console_sessions s left join access_keys k on k.id = s.access_key_id
    where s.token_hash = ${hashToken(token)} and s.expires_at > now()`
  if (!row) return undefined
  return row.accessKeyId === null
    ? { scopes: ['admin'], organizationId: null, accessKeyId: null }
    : { scopes: row.scopes ?? [], organizationId: row.organizationId, accessKeyId: row.accessKeyId }
}

/** Logout: the session's row goes, so its cookie opens nothing anymore (even a copy of it). */
export async function endSession(sql: Tx, adminToken: string, value: string): Promise<void> {
  const token = verified(value, adminToken)
  if (token) await sql`delete from console_sessions where token_hash = ${hashToken(token)}`
}
