// SCIM bearer tokens: 32 random bytes behind a recognisable prefix, stored as SHA-256
// (admin access keys are made the same way behind their own prefix: server/access-keys).
// Every change of a configuration's token notifies TOKEN_CHANNEL in its own statement
// (other processes) and calls tokensChanged (this one): the SCIM token cache
// (server/scim/auth.ts) subscribes to both.
import type { Tx } from '../db/client'

const PREFIX = 'scim_'

export function newToken(prefix = PREFIX): string {
  return prefix + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
}

export function hashToken(token: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update(token).digest())
}

export const TOKEN_CHANNEL = 'scim_tokens'

type TokensChanged = (sql: Tx, orgId: string) => void
const subscribers = new Set<TokensChanged>()

/** Runs `f` after this process has changed an organization's token (see server/scim/auth.ts). */
export function onTokensChanged(f: TokensChanged): void {
  subscribers.add(f)
}

export function tokensChanged(sql: Tx, orgId: string): void {
  for (const f of subscribers) f(sql, orgId)
}
