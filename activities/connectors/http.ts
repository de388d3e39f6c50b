// The one HTTP path of every connector: timeouts, Retry-After, token refresh, and
// errors that name the provider, the status and what the operator should check.
import type { Provider } from '../../bridge/providers'
import { assertPublicUrl, fetchPinned, OutboundRefused } from '../../server/outbound'

export class ConnectorError extends Error {
  override readonly name = 'ConnectorError'
  readonly provider: Provider
  readonly status?: number
  /** False when retrying cannot help (bad credentials, missing permission, wrong URL). */
  readonly retryable: boolean
  /** How long the provider asked us to wait; the activity turns it into `nextRetryDelay`. */
  readonly retryAfterMs?: number

  constructor(
    provider: Provider,
    message: string,
    details: { status?: number; retryable: boolean; retryAfterMs?: number; cause?: unknown },
  ) {
    super(`${provider}: ${message}`, details.cause === undefined ? undefined : { cause: details.cause })
    this.provider = provider
    this.status = details.status
    this.retryable = details.retryable
    this.retryAfterMs = details.retryAfterMs
  }
}

export interface HttpOptions {
  /** Per request, body included. */
  timeoutMs?: number
  /** In-process retries of a 429/503 whose Retry-After is short. */
  maxRetries?: number
  /** Longest Retry-After waited in-process; longer ones go back to Temporal's retry. */
  maxRetryDelayMs?: number
  /** Provider URLs may point at loopback/private addresses (OUTBOUND_ALLOW_PRIVATE; server/outbound.ts). */
  allowPrivate?: boolean
}

/** What to tell the operator to check, in the provider's own words. */
export interface Hints {
  credentials: string
  permissions: string
  notFound: string
}

export interface RequestSpec {
  method?: 'GET' | 'POST'
  headers?: Record<string, string>
  body?: string | URLSearchParams
  /** A token endpoint: its 400 (invalid_grant) and 401 (invalid_client) are credential errors. */
  tokenEndpoint?: boolean
  signal?: AbortSignal
}

const DEFAULTS = { timeoutMs: 30_000, maxRetries: 3, maxRetryDelayMs: 30_000, allowPrivate: false } satisfies Required<HttpOptions>

export class Http {
  private readonly options: Required<HttpOptions>

  constructor(
    readonly provider: Provider,
    private readonly hints: Hints,
    options: HttpOptions = {},
    /** Providers that signal rate limits with another status (Google: 403 rateLimitExceeded). */
    private readonly isRateLimited: (status: number, body: string) => boolean = () => false,
  ) {
    this.options = { ...DEFAULTS, ...options }
  }

  /** Sends the request and parses a 2xx JSON body; anything else becomes a ConnectorError. */
  async json<T>(url: string, spec: RequestSpec = {}): Promise<{ body: T; headers: Headers }> {
    const { status, headers, text } = await this.send(url, spec)
    if (status < 200 || status > 299) throw this.failure(url, spec, status, headers, text)
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw this.unexpected(url, spec, 'a body that is not JSON')
    }
    // Every API here answers an object or an array; `null` or a string would crash the mapping.
    if (typeof body !== 'object' || body === null) throw this.unexpected(url, spec, 'a body that is not a JSON object')
    return { body: body as T, headers }
  }

  /** Like `json`, with a bearer token from `tokens`; a 401 refreshes the token once. */
  async authorizedJson<T>(url: string, tokens: TokenCache, spec: RequestSpec = {}): Promise<{ body: T; headers: Headers }> {
    const withToken = async () => {
      const token = await tokens.get(spec.signal)
      return { token, spec: { ...spec, headers: { ...spec.headers, authorization: `Bearer ${token}` } } }
    }
    const first = await withToken()
    try {
      return await this.json<T>(url, first.spec)
    } catch (error) {
      if (!(error instanceof ConnectorError) || error.status !== 401) throw error
      tokens.invalidate(first.token)
      return this.json<T>(url, (await withToken()).spec)
    }
  }

  /** An OAuth2 token endpoint (RFC 6749 §5.1): POSTs the form, returns the access token. */
  async oauthToken(url: string, form: URLSearchParams, signal?: AbortSignal): Promise<AccessToken> {
    const spec: RequestSpec = { method: 'POST', tokenEndpoint: true, body: form, signal }
    const { body } = await this.json<{ access_token?: unknown; expires_in?: unknown }>(url, spec)
    if (typeof body.access_token !== 'string') throw this.unexpected(url, spec, 'no access_token')
    return { accessToken: body.access_token, expiresInSeconds: Number(body.expires_in) || 3600 }
  }

  /** The same client for endpoints that need other rights (groups): `hints` say what to check there. */
  withHints(hints: Partial<Hints>): Http {
    return new Http(this.provider, { ...this.hints, ...hints }, this.options, this.isRateLimited)
  }

  /**
   * Maps a page's raw users, groups or members, those `keep` accepts; a malformed one fails
   * the page rather than vanish (a user would be deactivated, a group emptied).
   */
  records<T, R>(
    url: string,
    raw: unknown,
    kind: 'user' | 'group' | 'member',
    map: (raw: T) => R | null,
    keep: (raw: T) => boolean = () => true,
  ): R[] {
    if (!Array.isArray(raw)) throw this.unexpected(url, {}, `no list of ${kind}s`)
    return raw.filter(keep).map((item: T) => map(item) ?? failWith(this.unexpected(url, {}, `a ${kind} without an id or a name`)))
  }

  /** A response that parsed but is not what the API documents. */
  unexpected(url: string, spec: RequestSpec, what: string): ConnectorError {
    const message = `${describe(url, spec)} returned ${what}; ${this.hints.notFound}`
    return new ConnectorError(this.provider, message, { retryable: false })
  }

  private async send(url: string, spec: RequestSpec): Promise<{ status: number; headers: Headers; text: string }> {
    for (let attempt = 0; ; attempt++) {
      const response = await this.attempt(url, spec)
      const waitMs = response.status === 429 || response.status === 503 ? retryAfterMs(response.headers) : undefined
      const retryInProcess = waitMs !== undefined && waitMs <= this.options.maxRetryDelayMs && attempt < this.options.maxRetries
      if (!retryInProcess) return response
      await sleep(waitMs, spec.signal)
    }
  }

  private async attempt(url: string, spec: RequestSpec): Promise<{ status: number; headers: Headers; text: string }> {
    // The connection goes to an address the check approved (fetchPinned), never to a fresh lookup of the name.
    let addresses: string[] | null = null
    if (!this.options.allowPrivate) {
      try {
        addresses = await assertPublicUrl(new URL(url))
      } catch (e) {
        // Refused before anything was sent: nothing an internal address answers can reach lastError.
        if (e instanceof OutboundRefused) throw new ConnectorError(this.provider, `${describe(url, spec)} refused: ${e.message}; check the bridge settings`, { retryable: false })
        throw e
      }
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs)
    const signal = spec.signal ? AbortSignal.any([spec.signal, timeout]) : timeout
    try {
      const init: RequestInit = {
        method: spec.method ?? 'GET',
        headers: { accept: 'application/json', ...spec.headers },
        body: spec.body,
        signal,
        redirect: 'error', // a redirect could carry our Authorization header to another host
      }
      const response = await (addresses ? fetchPinned(new URL(url), init, addresses) : fetch(url, init))
      // Read inside the try: the timeout covers the body too.
      return { status: response.status, headers: response.headers, text: await response.text() }
    } catch (error) {
      // The caller cancelled (the activity was cancelled): not a connector failure.
      if (spec.signal?.aborted) throw spec.signal.reason
      const what = timeout.aborted ? `timed out after ${this.options.timeoutMs} ms` : `failed: ${String(error)}`
      const message = `${describe(url, spec)} ${what}; check the base URL and that the provider is reachable`
      throw new ConnectorError(this.provider, message, { retryable: true, cause: error })
    }
  }

  private failure(url: string, spec: RequestSpec, status: number, headers: Headers, text: string): ConnectorError {
    const rateLimited = status === 429 || status === 503 || this.isRateLimited(status, text)
    const retryable = rateLimited || status >= 500 || status === 408
    const hint = rateLimited
      ? 'the provider is rate limiting or unavailable; the sync will be retried'
      : retryable
        ? 'the provider is failing; the sync will be retried'
        : status === 401 || (status === 400 && spec.tokenEndpoint)
          ? this.hints.credentials
          : status === 403
            ? this.hints.permissions
            : status === 404
              ? this.hints.notFound
              : 'check the bridge settings'
    const detail = errorDetail(text)
    const message = `${describe(url, spec)} returned ${status}${detail ? ` (${detail})` : ''}; ${hint}`
    return new ConnectorError(this.provider, message, {
      status,
      retryable,
      retryAfterMs: rateLimited ? retryAfterMs(headers) : undefined,
    })
  }
}

export interface AccessToken {
  accessToken: string
  expiresInSeconds: number
}

/** One access token per connector instance, fetched lazily and refreshed before it expires. */
export class TokenCache {
  private current: { token: string; refreshAt: number } | null = null
  private pending: Promise<string> | null = null

  constructor(private readonly fetchToken: (signal?: AbortSignal) => Promise<AccessToken>) {}

  get(signal?: AbortSignal): Promise<string> {
    if (this.current && this.current.refreshAt > Date.now()) return Promise.resolve(this.current.token)
    this.pending ??= this.fetchToken(signal)
      .then(({ accessToken, expiresInSeconds }) => {
        // Refresh a minute early (or halfway through a short lifetime), not at the last instant.
        const lifetimeMs = expiresInSeconds * 1000
        this.current = { token: accessToken, refreshAt: Date.now() + lifetimeMs - Math.min(60_000, lifetimeMs / 2) }
        return accessToken
      })
      .finally(() => {
        this.pending = null
      })
    return this.pending
  }

  /** Drops `token` if it is still the current one (a concurrent caller may have refreshed it already). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null
  }
}

/**
 * A next-page URL given by the provider (Graph nextLink, Okta Link) or read back from a
 * heartbeat: it must stay on the configured origin, or our credentials would go elsewhere.
 */
export function sameOriginUrl(provider: Provider, candidate: string, base: string): string {
  let url: URL
  try {
    url = new URL(candidate)
  } catch {
    const message = `refusing to follow a next-page link that is not a URL: ${candidate.slice(0, 200)}`
    throw new ConnectorError(provider, message, { retryable: false })
  }
  const expected = new URL(base).origin
  if (url.origin !== expected) {
    const message = `refusing to follow a next-page link to ${url.origin} (expected ${expected}); check the base URL`
    throw new ConnectorError(provider, message, { retryable: false })
  }
  return url.href
}

/**
 * Paging by next-page URLs (Graph nextLink, Okta Link): the cursor is the URL itself,
 * checked against `base` both when the provider gives it and when a heartbeat gives it back.
 */
export function linkPaging(provider: Provider, base: string) {
  return {
    /** What to fetch: the list's first page, or the cursor. */
    url: (cursor: string | null, first: string) => (cursor ? sameOriginUrl(provider, cursor, base) : first),
    /** The cursor after a page: its next link, null at the end. */
    next: (link: string | null | undefined) => (link ? sameOriginUrl(provider, link, base) : null),
  }
}

/** The `rel="next"` target of an RFC 8288 Link header, if any. */
export function nextLink(header: string | null): string | null {
  if (!header) return null
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part)
    if (match && /;\s*rel\s*=\s*"?(?:[^";]*\s)?next(?:\s[^";]*)?"?\s*(?:;|$)/i.test(match[2] ?? '')) return match[1] ?? null
  }
  return null
}

function describe(url: string, spec: RequestSpec): string {
  const { origin, pathname } = new URL(url)
  const what = spec.tokenEndpoint ? 'token request ' : ''
  // Never the query: it may carry cursors and it makes messages unreadable.
  return `${what}${spec.method ?? 'GET'} ${origin}${pathname}`
}

/** Retry-After (seconds or an HTTP date), else Okta's X-Rate-Limit-Reset (epoch seconds). */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const retryAfter = headers.get('retry-after')?.trim()
  if (retryAfter) {
    if (/^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000
    const date = Date.parse(retryAfter)
    if (!Number.isNaN(date)) return Math.max(0, date - now)
  }
  const reset = headers.get('x-rate-limit-reset')?.trim()
  if (reset && /^\d+$/.test(reset)) return Math.max(0, Number(reset) * 1000 - now)
  return undefined
}

/** The provider's own error text, from the error shapes of OAuth, Graph, Google, Okta and SCIM. */
function errorDetail(text: string): string {
  let detail = text
  try {
    const body = JSON.parse(text) as Record<string, unknown>
    const error = body.error
    const nested = typeof error === 'object' && error !== null ? (error as Record<string, unknown>) : undefined
    const candidates = [
      body.error_description,
      nested?.message,
      body.errorSummary,
      body.detail,
      typeof error === 'string' ? error : undefined,
    ]
    detail = String(candidates.find((c) => typeof c === 'string' && c !== '') ?? text)
  } catch {
    // Not JSON: show the start of the text as is.
  }
  const oneLine = detail.replace(/\s+/g, ' ').trim()
  return oneLine.length > 300 ? `${oneLine.slice(0, 300)}…` : oneLine
}

function failWith(error: Error): never {
  throw error
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal?.reason)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}
