// Failed authentication, bounded. Every credential we issue is 256 random bits, so
// guessing is hopeless; what a flood of bad credentials costs is database lookups (SCIM
// asks twice on a miss) and log noise, and an IdP stuck on a revoked token retries for
// ever. So failures are counted per client address (an IPv6 client per /64, which one
// host usually holds whole) and per credential (its SHA-256): past the budget, a
// credential that has not proved valid here is refused with 429 and Retry-After before
// any lookup.
//
// A shared egress address (an IdP's, a corporate NAT) is not locked out for the good
// credentials behind it: a credential that succeeded in this process goes on to its usual
// (cached) lookup whatever its address's count, and is forgotten the first time it fails;
// one this process has not seen work yet goes on too when it is in the list of live
// credentials (`trust`: server/access-keys/known.ts, read once an address is over budget).
// Neither answer tells more than 401 would: only a valid credential skips the refusal,
// and the refusal itself costs no lookup whose timing could differ.
//
// Per process, in bounded memory (each map keeps its most recently used keys): behind N
// `serve` replicas a client gets up to N times the budget (README, "Running in production").
import { parseAddr } from './client-ip'
import type { Config } from './config'
import type { Log } from './log'

/** What one failing credential may cost a minute: a credential that failed is almost
 * surely stale, and it must not use up the whole budget of the address it comes from. */
export const CREDENTIAL_FAILURES_PER_MINUTE = 10
/** Keys each map holds at most: about 1.5 MB each when full. */
export const MAX_KEYS = 10_000

/**
 * Token buckets of failures: `perMinute` on average, bursts of as many. At most `maxKeys`
 * keys, the least recently failed dropped first; a refilled bucket is dropped when read.
 */
export class FailureBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>()

  constructor(
    private readonly perMinute: number,
    private readonly maxKeys = MAX_KEYS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get size(): number {
    return this.buckets.size
  }

  /** Whole seconds until `key` may fail again: 0 when it may now. */
  wait(key: string): number {
    const tokens = this.tokens(key, this.now())
    if (tokens >= this.perMinute) this.buckets.delete(key)
    return tokens >= 1 ? 0 : Math.max(1, Math.ceil(((1 - tokens) * 60) / this.perMinute))
  }

  fail(key: string): void {
    const at = this.now()
    const tokens = this.tokens(key, at)
    this.buckets.delete(key) // re-inserted last: the map's order is recency
    this.buckets.set(key, { tokens: Math.max(0, tokens - 1), at })
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!)
  }

  /** Takes back a failure counted in advance. */
  refund(key: string): void {
    if (!this.buckets.has(key)) return
    const at = this.now()
    const tokens = Math.min(this.perMinute, this.tokens(key, at) + 1)
    if (tokens >= this.perMinute) this.buckets.delete(key)
    else this.buckets.set(key, { tokens, at })
  }

  private tokens(key: string, t: number): number {
    const b = this.buckets.get(key)
    return b ? Math.min(this.perMinute, b.tokens + ((t - b.at) * this.perMinute) / 60_000) : this.perMinute
  }
}

/** A client address as it is counted: IPv4 as is, IPv6 by its /64. */
export function clientKey(ip: string): string {
  const a = parseAddr(ip)
  if (a?.v !== 6) return ip
  return `${(a.n >> 64n).toString(16).padStart(16, '0').replace(/(.{4})(?!$)/g, '$1:')}::/64`
}

export class AuthFailures {
  private readonly clients: FailureBuckets
  private readonly credentials: FailureBuckets
  /** Fingerprints of credentials that succeeded here, most recent last. */
  private readonly proven = new Set<string>()
  /** Lookups of credentials not proven yet, while they run: by surface and fingerprint. */
  private readonly pending = new Map<string, Promise<unknown>>()
  /** The live credentials, asked about a credential from an address over its budget. */
  private known: { has(fingerprint: string): Promise<boolean> } | undefined

  constructor(
    readonly perMinute: number,
    private readonly log: Log,
    now?: () => number,
  ) {
    this.clients = new FailureBuckets(perMinute, MAX_KEYS, now)
    this.credentials = new FailureBuckets(Math.min(perMinute, CREDENTIAL_FAILURES_PER_MINUTE), MAX_KEYS, now)
  }

  /**
   * What `lookUp` finds for `credential` presented by `ip` (null: unknown, not counted by
   * address), counting a miss as a failure. Throws `refuse(retryAfterSeconds, message)`
   * instead of looking up when the credential has not proved valid here and it, or its
   * client, has failed too often. A lookup that throws (the database) counts for nothing.
   * `fingerprint`: the credential's SHA-256 in hex, when the caller has it already.
   */
  async check<T>(
    surface: string,
    ip: string | null,
    credential: string,
    lookUp: () => Promise<T | undefined>,
    refuse: (retryAfter: number, message: string) => Error,
    fingerprint = new Bun.CryptoHasher('sha256').update(credential).digest('hex'),
  ): Promise<T | undefined> {
    if (this.perMinute <= 0) return lookUp()
    const client = ip === null ? null : clientKey(ip)
    if (this.proven.has(fingerprint)) {
      const found = await lookUp()
      if (found !== undefined) this.prove(fingerprint)
      else {
        this.proven.delete(fingerprint) // revoked since
        this.count(fingerprint, client, 'fail')
      }
      return found
    }
    // Concurrent requests with one credential (an IdP's burst) share its lookup: one lookup, one count.
    const flight = `${surface} ${fingerprint}`
    const same = this.pending.get(flight) as Promise<T | undefined> | undefined
    if (same) return same
    const byCredential = this.credentials.wait(fingerprint)
    const byClient = client === null ? 0 : this.clients.wait(client)
    if (byCredential > 0 || (byClient > 0 && !(await this.known?.has(fingerprint)))) {
      const retryAfter = Math.max(byCredential, byClient)
      const why = byCredential > 0 ? 'this credential has failed too often' : 'too many failed authentications from this client address'
      // The fingerprint's first characters tell one stale credential from many guesses; never the credential.
      this.log.warn(`${surface}: authentication refused (429)`, { ip, reason: byCredential > 0 ? 'credential' : 'client', fingerprint: fingerprint.slice(0, 12), retryAfter })
      throw refuse(retryAfter, `${why}; retry after ${retryAfter} s with a valid credential`)
    }
    const meanwhile = this.pending.get(flight) as Promise<T | undefined> | undefined // started while the list was read
    if (meanwhile) return meanwhile
    // Counted before the lookup, so concurrent requests with other credentials cannot all
    // pass the check above. Not one the list let through: its refund would hand the
    // address back a failure it never had to spend (it is counted if it misses after all).
    const listed = byClient > 0
    if (!listed) this.count(fingerprint, client, 'fail')
    const first = lookUp()
      .then(
        (found) => {
          if (found !== undefined) {
            if (!listed) this.count(fingerprint, client, 'refund')
            this.prove(fingerprint)
          } else if (listed) this.count(fingerprint, client, 'fail')
          return found
        },
        (e: unknown) => {
          if (!listed) this.count(fingerprint, client, 'refund') // the database failed, not the credential
          throw e
        },
      )
      .finally(() => this.pending.delete(flight))
    this.pending.set(flight, first)
    return first
  }

  /** Lets a live credential from an address over its budget through (see the top of this file). */
  trust(known: { has(fingerprint: string): Promise<boolean> }): void {
    this.known = known
  }

  private prove(fingerprint: string): void {
    this.proven.delete(fingerprint) // re-inserted last: the set's order is recency
    this.proven.add(fingerprint)
    if (this.proven.size > MAX_KEYS) this.proven.delete(this.proven.values().next().value!)
  }

  private count(fingerprint: string, client: string | null, how: 'fail' | 'refund'): void {
    this.credentials[how](fingerprint)
    if (client !== null) this.clients[how](client)
  }
}

// One budget per server, whichever surface a credential is tried on (SCIM, admin API,
// console login): buildApp hands all of them the same config object.
const perServer = new WeakMap<object, AuthFailures>()

export function authFailures(config: Pick<Config, 'AUTH_FAILURES_PER_MINUTE'>, log: Log): AuthFailures {
  let failures = perServer.get(config)
  if (!failures) perServer.set(config, (failures = new AuthFailures(config.AUTH_FAILURES_PER_MINUTE, log)))
  return failures
}
