// Who may call an admin route. Every route declares the scope it needs as a route
// option, `{ scope: 'directory:read' }` (an Elysia macro), and routes that manage the
// whole service add `unbound: true`. Route groups get both options from
// `.use(adminAuth(deps))`; the admin plugin refuses any route that declares no scope.
//
// Credentials: ADMIN_TOKEN is the root (every scope, every organization); access keys
// (server/access-keys) have their scopes and may be bound to one organization. `admin`
// grants every scope. Without an Authorization header, the console's session cookie
// (server/sessions) stands for the credential its holder logged in with; a write with
// the cookie must come from our own origin. Credential and scope are checked before the request is validated,
// so a caller without access learns nothing about a route's input (401, then 403).
// A client whose bearer credentials keep failing gets 429 before the lookup
// (server/auth-failures.ts); the console login counts the same way.
// A bound key asking for another organization's resources gets the same 404 as if they
// did not exist: a route's `:orgId` is checked here (once validated), anything else (a
// bridge's id) by the route, with assertOrganization or organizationOf as a store's filter.
import { type DocumentDecoration, Elysia } from 'elysia'
import { type KeyHolder, keyHolder, type Scope } from '../access-keys/store'
import { authFailures } from '../auth-failures'
import { clientIp } from '../client-ip'
import type { Sql } from '../db/client'
import type { Config } from '../config'
import { NotFound } from '../errors'
import { bearer, safeEqual } from '../http'
import type { Log } from '../log'
import { mayWriteWithCookie, sessionCookie } from '../sessions/cookie'
import { sessionHolder } from '../sessions/store'
import { ApiError } from './errors'

export type { Scope }

/** The caller of an admin route: ADMIN_TOKEN or an access key. */
export type Principal = {
  scopes: readonly Scope[]
  /** The one organization the caller may see, or null for all of them. */
  organizationId: string | null
}

const ROOT: Principal = { scopes: ['admin'], organizationId: null }

/** The OpenAPI security scheme a route's scope is declared under (`detail.security`). */
export const SCHEME = 'adminApi'

export type AuthDeps = { sql: Sql; log: Log; config: Pick<Config, 'ADMIN_TOKEN' | 'PUBLIC_URL' | 'TRUSTED_PROXIES' | 'AUTH_FAILURES_PER_MINUTE'> }

/** The parts of Elysia's context authentication uses: who calls, and the answer's headers. */
export type Caller = {
  request: Request
  server: { requestIP(r: Request): { address: string } | null } | null
  set: { headers: Record<string, string | number> }
}

// One authentication per request, shared by a route's checks and its handler.
const principals = new WeakMap<Request, Promise<Principal>>()
// Requests to a route declared `public: true`: let through without a credential.
const publicRequests = new WeakSet<Request>()

function allows(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes('admin') || principal.scopes.includes(scope)
}

/** NotFound, worded as the organization's own, when `orgId` is not the caller's organization. */
export function assertOrganization(principal: Principal, orgId: string): void {
  if (principal.organizationId !== null && principal.organizationId !== orgId) throw new NotFound(`organization ${orgId} does not exist`)
}

/** The organization filter for a caller's lookups: undefined means all of them. */
export function organizationOf(principal: Principal): string | undefined {
  return principal.organizationId ?? undefined
}

/**
 * Who `credential` is: 'root' (ADMIN_TOKEN), a live access key, or undefined. ADMIN_TOKEN
 * is chosen by an operator and may be guessable, so it is counted like any key: 429 (with
 * Retry-After) instead of a check while the caller's credentials keep failing.
 */
export async function credentialHolder(deps: AuthDeps, caller: Caller, surface: string, credential: string): Promise<'root' | KeyHolder | undefined> {
  const { sql, config, log } = deps
  const root = config.ADMIN_TOKEN!
  const ip = clientIp(caller.request, caller.server?.requestIP(caller.request)?.address ?? null, config.TRUSTED_PROXIES)
  const lookUp = async () => (safeEqual(credential, root) ? ('root' as const) : keyHolder(sql, credential))
  return authFailures(config, log).check(surface, ip, credential, lookUp, (retryAfter, message) => {
    caller.set.headers['retry-after'] = String(retryAfter)
    return new ApiError(429, 'too_many_failures', message)
  })
}

async function authenticate(deps: AuthDeps, caller: Caller): Promise<Principal> {
  const { config, sql } = deps
  const { request } = caller
  // No configured token means the admin API is closed, never open (access keys included).
  if (!config.ADMIN_TOKEN) throw new ApiError(401, 'unauthorized', 'the admin API is disabled: set ADMIN_TOKEN on the server')
  const authorization = request.headers.get('authorization')
  const session = authorization === null ? sessionCookie(request.headers.get('cookie')) : undefined
  if (session !== undefined) return sessionPrincipal({ sql, config }, request, session)
  const token = bearer(authorization)
  if (!token) throw new ApiError(401, 'unauthorized', 'send Authorization: Bearer <ADMIN_TOKEN or an access key>')
  const holder = await credentialHolder(deps, caller, 'admin', token)
  if (!holder) throw new ApiError(401, 'unauthorized', 'the bearer token is neither ADMIN_TOKEN nor a live access key (unknown or revoked)')
  return holder === 'root' ? ROOT : { scopes: holder.scopes, organizationId: holder.organizationId }
}

async function sessionPrincipal({ sql, config }: Pick<AuthDeps, 'sql' | 'config'>, request: Request, cookie: string): Promise<Principal> {
  if (!mayWriteWithCookie(request, config.PUBLIC_URL)) {
    throw new ApiError(403, 'forbidden', 'a change made with the console session cookie must come from the console itself (same origin); other clients send Authorization: Bearer')
  }
  const holder = await sessionHolder(sql, config.ADMIN_TOKEN!, cookie) // set: authenticate checked it
  if (!holder) throw new ApiError(401, 'unauthorized', 'the console session has ended (expired, logged out, its key revoked, or ADMIN_TOKEN changed): log in again')
  return { scopes: holder.scopes, organizationId: holder.organizationId }
}

function principalOf(deps: AuthDeps, caller: Caller): Promise<Principal> {
  let principal = principals.get(caller.request)
  if (!principal) principals.set(caller.request, (principal = authenticate(deps, caller)))
  return principal
}

/**
 * The `scope` and `unbound` route options. Each route group uses it; the checks run in
 * the transform phase (before validation), the handler gets `principal`.
 */
export function adminAuth(deps: AuthDeps) {
  return new Elysia().macro({
    scope: (needed: Scope) => ({
      detail: { security: [{ [SCHEME]: [needed] }] },
      async transform(caller: Caller) {
        const principal = await principalOf(deps, caller)
        if (!allows(principal, needed)) {
          const wanted = needed === 'admin' ? 'the admin scope' : `the ${needed} scope (or admin)`
          throw new ApiError(403, 'forbidden', `this route needs ${wanted}; this key has ${principal.scopes.join(', ')}: use a key that has it`)
        }
      },
      // Static routes have no params at all.
      async resolve(c: Caller & { params?: Record<string, string | undefined> }) {
        const principal = await principalOf(deps, c)
        if (c.params?.orgId !== undefined) assertOrganization(principal, c.params.orgId)
        return { principal }
      },
    }),
    // Managing organizations and keys is for the root: ADMIN_TOKEN or an unbound admin key.
    unbound: {
      detail: extension({ 'x-unbound': true }),
      async transform(caller: Caller) {
        const principal = await principalOf(deps, caller)
        if (principal.organizationId !== null || !allows(principal, 'admin')) {
          throw new ApiError(403, 'forbidden', 'this route needs ADMIN_TOKEN or an admin key that is not bound to an organization')
        }
      },
    },
    // For metadata anyone may read (the OpenAPI document): an explicit declaration, so
    // forgetting `scope` still fails closed. `security: []` says so in the document.
    public: {
      detail: { security: [] },
      transform({ request }: { request: Request }) {
        publicRequests.add(request)
      },
    },
  })
}

/** OpenAPI extension fields in a route's detail (Elysia's type lists only the standard ones). */
function extension(fields: Record<`x-${string}`, unknown>): DocumentDecoration {
  return fields as DocumentDecoration
}

/** For the admin plugin: refuses a route that declares no scope (it would be open otherwise). */
export function requireDeclaredScope({ request, route }: { request: Request; route: string }): void {
  if (!principals.has(request) && !publicRequests.has(request)) throw new ApiError(500, 'internal', `admin route ${route} declares no scope: add a scope option`)
}

/** What a registered route declares (read from its hooks): for listing routes and their scopes. */
export function declaredAccess(route: { hooks: { detail?: unknown } }): { scope: Scope | undefined; unbound: boolean; public: boolean } {
  const detail = route.hooks.detail as { security?: Record<string, Scope[]>[]; 'x-unbound'?: boolean } | undefined
  return { scope: detail?.security?.[0]?.[SCHEME]?.[0], unbound: detail?.['x-unbound'] === true, public: detail?.security?.length === 0 }
}
