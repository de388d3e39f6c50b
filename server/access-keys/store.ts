// Admin access keys: `sbk_` + 32 random bytes (base64url), stored as SHA-256 and shown
// once, at creation. A key has scopes and may be bound to one organization; the admin
// API's auth (server/admin/auth.ts) turns one into what the caller may do.
//
// Lookups by hash are cached per pool (server/db/notified-cache.ts): a revoke notifies
// KEY_CHANNEL with the key's id in its own statement, so every process stops accepting
// the key when the notification arrives (this one at once), and within a second at
// worst (an entry's maximum age).
import type { Tx } from '../db/client'
import { notifiedCache } from '../db/notified-cache'
import { NotFound } from '../errors'
import { hashToken, newToken } from '../organizations/token'

export const SCOPES = ['admin', 'directory:read', 'events:read', 'webhooks:write'] as const
export type Scope = (typeof SCOPES)[number]

const PREFIX = 'sbk_'
/** The shape of every key this service mints: anything else is refused without a lookup. */
const KEY_FORMAT = /^sbk_[A-Za-z0-9_-]{43}$/
export const KEY_CHANNEL = 'access_keys'
/** lastUsedAt is precise to this much: it is written at most once per interval per key. */
const LAST_USED_RESOLUTION = '1 minute'

export type AccessKey = {
  id: string
  name: string
  scopes: Scope[]
  organizationId: string | null
  createdAt: Date
  lastUsedAt: Date | null
}

/** What a valid key lets its holder be. */
export type KeyHolder = Pick<AccessKey, 'id' | 'scopes' | 'organizationId'>

const holders = notifiedCache<KeyHolder>(KEY_CHANNEL, (holder, id) => holder.id === id)

/** A new key: the answer is the only place the key itself ever appears. */
export async function createKey(sql: Tx, input: Pick<AccessKey, 'name' | 'scopes' | 'organizationId'>): Promise<Omit<AccessKey, 'lastUsedAt'> & { key: string }> {
  const key = newToken(PREFIX)
  // Notified too: every process's list of live credentials (./known.ts) takes the new one in.
  const [row] = await sql<Omit<AccessKey, 'lastUsedAt'>[]>`
    with k as (
      insert into access_keys (name, scopes, organization_id, key_hash)
      values (${input.name}, ${input.scopes}::text[], ${input.organizationId}, ${hashToken(key)})
      returning id, name, scopes, organization_id, created_at
    )
    select k.* from k, lateral (select pg_notify(${KEY_CHANNEL}, k.id::text)) n`
  return { ...row!, key }
}

export function listKeys(sql: Tx): Promise<AccessKey[]> {
  return sql<AccessKey[]>`
    select id, name, scopes, organization_id, created_at, last_used_at from access_keys order by created_at, id`
}

/** Deletes the key; no process accepts it after the notification (this one: at once). */
export async function revokeKey(sql: Tx, id: string): Promise<void> {
  const rows = await sql`
    with k as (delete from access_keys where id = ${id} returning id)
    select k.id from k, lateral (select pg_notify(${KEY_CHANNEL}, k.id::text)) n`
  if (!rows.length) throw new NotFound(`access key ${id} does not exist (or was revoked already)`)
  holders.changed(sql, id)
}

/** The holder of `key`, or undefined for anything that is not a live key. */
export async function keyHolder(sql: Tx, key: string): Promise<KeyHolder | undefined> {
  if (!KEY_FORMAT.test(key)) return undefined
  const hash = hashToken(key)
  return holders.get(sql, hash.toString('hex'), async () => {
    const [row] = await sql<(KeyHolder & { stale: boolean })[]>`
      select id, scopes, organization_id, last_used_at is null or last_used_at < now() - ${LAST_USED_RESOLUTION}::interval as stale
      from access_keys where key_hash = ${hash}`
    if (!row) return undefined
    // Only lookups that miss the cache get here (about once a second per key and process
    // at most), and only a lastUsedAt older than the resolution is written; the condition
    // again in the update makes concurrent lookups (other replicas) write it once.
    if (row.stale) {
      await sql`
        update access_keys set last_used_at = now()
        where id = ${row.id} and (last_used_at is null or last_used_at < now() - ${LAST_USED_RESOLUTION}::interval)`.catch(() => {
        // A missed lastUsedAt is written by the next lookup; it never fails the request.
      })
    }
    return { id: row.id, scopes: row.scopes, organizationId: row.organizationId }
  })
}
