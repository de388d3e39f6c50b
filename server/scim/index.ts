// The SCIM 2.0 API (RFC 7644) at /api/connect/v1/scim/2.0. Routes are a table so the
// catch-all can tell an unknown path (404) from a known path with the wrong method
// (405 with Allow); every route runs through request.ts's run().
import { Elysia } from 'elysia'
import { createHash } from 'node:crypto'
import { ScimError, invalidSyntax, invalidValue, notFound } from './errors'
import { groupStore } from './groups'
import { CursorCodec } from './list'
import type { Reply } from './reply'
import { type PublicRequest, type ScimDeps, type ScimRequest, createRunner } from './request'
import { resourceHandlers } from './resources'
import { resourceTypeResource, resourceTypesList, schemaResource, schemasList, serviceProviderConfig } from './discovery'
import { userStore } from './users'

export const SCIM_PREFIX = '/api/connect/v1/scim/2.0'

/** Page sizes, advertised in ServiceProviderConfig and enforced by list requests. */
export const PAGING = { defaultCount: 100, maxCount: 1000, cursorTimeoutSeconds: 3600 }

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE'
type Route =
  | { method: Method; path: string; auth: 'public'; handle: (r: PublicRequest, params: Record<string, string>) => Promise<Reply> }
  | { method: Method; path: string; auth: 'tenant'; handle: (r: ScimRequest, params: Record<string, string>) => Promise<Reply> }

const ok = async (body: unknown): Promise<Reply> => ({ status: 200, body })

const notImplemented = (what: string) => async (): Promise<Reply> => {
  throw new ScimError(501, undefined, what)
}

export function scim(deps: ScimDeps) {
  const { config } = deps
  const base = `${config.PUBLIC_URL}${SCIM_PREFIX}`
  const run = createRunner(deps, base)
  const secret = createHash('sha256').update(config.CURSOR_SECRET).digest('hex')
  const env = {
    limits: { maxFilterLength: config.SCIM_MAX_FILTER_LENGTH, defaultCount: PAGING.defaultCount, maxCount: PAGING.maxCount },
    cursors: new CursorCodec(secret, PAGING.cursorTimeoutSeconds),
  }
  const users = resourceHandlers(userStore, env)
  const groups = resourceHandlers(groupStore, env)

  // RFC 7644 §4: discovery endpoints take no filter; one would mislead the client into
  // thinking the answer was filtered, so it is 403.
  const discovery = (body: (r: PublicRequest, params: Record<string, string>) => unknown) => async (r: PublicRequest, params: Record<string, string>) => {
    if ([...r.url.searchParams.keys()].some((k) => k.toLowerCase() === 'filter')) {
      throw new ScimError(403, undefined, 'discovery endpoints do not support filtering (RFC 7644 §4)')
    }
    return ok(body(r, params))
  }

  const routes: Route[] = [
    // Discovery is public (RFC 7644 §4 allows it): clients read it before they hold a token.
    {
      method: 'GET',
      path: '/ServiceProviderConfig',
      auth: 'public',
      handle: discovery(() =>
        serviceProviderConfig({
          baseUrl: base,
          maxResults: PAGING.maxCount,
          defaultPageSize: PAGING.defaultCount,
          maxPageSize: PAGING.maxCount,
          cursorTimeout: PAGING.cursorTimeoutSeconds,
        }),
      ),
    },
    { method: 'GET', path: '/ResourceTypes', auth: 'public', handle: discovery(() => resourceTypesList(base)) },
    { method: 'GET', path: '/ResourceTypes/:id', auth: 'public', handle: discovery((_, p) => resourceTypeResource(p.id!, base)) },
    { method: 'GET', path: '/Schemas', auth: 'public', handle: discovery(() => schemasList(base)) },
    { method: 'GET', path: '/Schemas/:id', auth: 'public', handle: discovery((_, p) => schemaResource(p.id!, base)) },
    ...(
      [
        ['/Users', users],
        ['/Groups', groups],
      ] as const
    ).flatMap(([path, h]): Route[] => [
      { method: 'GET', path, auth: 'tenant', handle: (r) => h.list(r) },
      { method: 'POST', path, auth: 'tenant', handle: (r) => h.create(r) },
      { method: 'POST', path: `${path}/.search`, auth: 'tenant', handle: (r) => h.search(r) },
      { method: 'GET', path: `${path}/:id`, auth: 'tenant', handle: (r, p) => h.get(r, p.id!) },
      { method: 'PUT', path: `${path}/:id`, auth: 'tenant', handle: (r, p) => h.replace(r, p.id!) },
      { method: 'PATCH', path: `${path}/:id`, auth: 'tenant', handle: (r, p) => h.patch(r, p.id!) },
      { method: 'DELETE', path: `${path}/:id`, auth: 'tenant', handle: (r, p) => h.remove(r, p.id!) },
    ]),
    ...(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const).flatMap((method): Route[] => [
      // /Me needs an authenticated subject; our tokens stand for an organization, not a user.
      { method, path: '/Me', auth: 'tenant', handle: notImplemented('/Me is not supported: the token identifies an organization, not a user') },
      { method, path: '/Bulk', auth: 'tenant', handle: notImplemented('bulk operations are not supported (ServiceProviderConfig bulk.supported is false)') },
    ]),
    {
      method: 'POST',
      path: '/.search',
      auth: 'tenant',
      handle: notImplemented('search from the root is not supported; use /Users/.search or /Groups/.search'),
    },
  ]

  // `:id` never matches `.search`, which is its own resource (POST only).
  const patterns = routes.map((r) => ({
    method: r.method,
    re: new RegExp(`^${r.path.replace(/\./g, '\\.').replace(/:id/g, '(?!\\.search$)[^/]+')}/?$`),
  }))

  /** Unknown path under the base: 404, or 405 with Allow when the path exists for other methods. */
  const fallback = async (r: PublicRequest): Promise<Reply> => {
    const path = r.url.pathname.slice(r.url.pathname.indexOf(SCIM_PREFIX) + SCIM_PREFIX.length) || '/'
    const allowed = [...new Set(patterns.filter((p) => p.re.test(path)).map((p) => p.method))]
    if (allowed.length > 0) {
      const e = new ScimError(405, undefined, `${r.request.method} is not allowed on ${path}; use ${allowed.join(', ')}`)
      return { status: 405, body: e.toJSON(), headers: { allow: allowed.join(', ') }, error: e.detail }
    }
    throw notFound(`no SCIM endpoint at ${path}`)
  }

  let app = new Elysia({ name: 'scim', prefix: SCIM_PREFIX })
    // Bodies are read by run() after authentication, within the size limit; Elysia's
    // own parsers would buffer any size and skip application/scim+json.
    .onParse(() => DEFERRED)
    // Only reached if Elysia itself fails before a handler runs; still a SCIM error.
    .onError(({ request, server, set, code, error }) =>
      run({ request, server, set }, 'public', async () => {
        if (code === 'NOT_FOUND') throw notFound('no SCIM endpoint at this path')
        if (code === 'PARSE') throw invalidSyntax('the request body could not be parsed')
        if (code === 'VALIDATION') throw invalidValue((error as Error).message)
        throw error
      }),
    )

  for (const route of routes) {
    app = app.route(route.method, route.path, ({ request, server, set, params }) =>
      route.auth === 'public'
        ? run({ request, server, set }, 'public', (r) => route.handle(r, params as Record<string, string>))
        : run({ request, server, set }, 'tenant', (r) => route.handle(r, params as Record<string, string>)),
    ) as unknown as typeof app
  }
  // Without these, GET /Users/.search would be GET /Users/{id} for an id ".search".
  for (const path of ['/Users/.search', '/Groups/.search']) {
    for (const method of ['GET', 'PUT', 'PATCH', 'DELETE'] as const) {
      app = app.route(method, path, ({ request, server, set }) => run({ request, server, set }, 'public', fallback)) as unknown as typeof app
    }
  }
  return app
    .all('/', ({ request, server, set }) => run({ request, server, set }, 'public', fallback))
    .all('/*', ({ request, server, set }) => run({ request, server, set }, 'public', fallback))
}

/** A marker body: "not parsed here". */
const DEFERRED = Object.freeze({ deferred: true })
