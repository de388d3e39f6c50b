// Every credential that is valid now (SCIM tokens, live access keys, ADMIN_TOKEN), as the
// SHA-256 fingerprints the failed-authentication bound counts by (server/auth-failures.ts).
// With it, a good credential from an address over its failure budget goes on to its
// lookup even on a replica it has never worked on (just started, or new behind the load
// balancer): an IdP's shared egress address under attack does not lock out the tenants
// behind it. A guessed credential is never in it, so the attack is still refused unread.
//
// Loaded only when some address is over its budget (one query, shared), and again when a
// token or key changes (the NOTIFYs of their lookup caches mark it stale) or once it is
// MAX_AGE_MS old (a notification can be lost while the listen connection reconnects).
// A read that fails keeps the last list, and is tried again after MAX_AGE_MS.
import type { Sql } from '../db/client'
import type { Log } from '../log'
import { hashToken, TOKEN_CHANNEL } from '../organizations/token'
import { KEY_CHANNEL } from './store'

const MAX_AGE_MS = 30_000

export class KnownCredentials {
  private fingerprints = new Set<string>()
  private loadedAt = Number.NEGATIVE_INFINITY
  private stale = true
  private loading: Promise<void> | null = null
  private readonly listening = new Set<string>()

  constructor(
    private readonly sql: Sql,
    private readonly adminToken: string | undefined,
    private readonly log: Log,
    private readonly maxAgeMs = MAX_AGE_MS,
  ) {}

  /** Whether the credential with this SHA-256 (hex) is one that is valid now. */
  async has(credentialFingerprint: string): Promise<boolean> {
    if (this.stale || performance.now() - this.loadedAt > this.maxAgeMs) await (this.loading ??= this.load().finally(() => (this.loading = null)))
    return this.fingerprints.has(credentialFingerprint)
  }

  private async load(): Promise<void> {
    this.listen()
    this.stale = false // a change notified while this read runs marks it stale again
    const startedAt = performance.now()
    try {
      const rows = await this.sql<{ fingerprint: string }[]>`
        select encode(token_hash, 'hex') as fingerprint from scim_configurations
        union all
        select encode(key_hash, 'hex') from access_keys`
      const next = new Set(rows.map((r) => r.fingerprint))
      if (this.adminToken) next.add(hashToken(this.adminToken).toString('hex'))
      this.fingerprints = next
    } catch (e) {
      this.log.warn('auth: could not read the live credentials; good ones from an address over its failure budget wait like the rest', e)
    }
    this.loadedAt = startedAt
  }

  private listen(): void {
    for (const channel of [TOKEN_CHANNEL, KEY_CHANNEL]) {
      if (this.listening.has(channel)) continue
      this.listening.add(channel)
      this.sql.listen(channel, () => (this.stale = true)).catch(() => this.listening.delete(channel)) // tried again at the next load
    }
  }
}
