// Every request routed by Elysia: a request id (a well-formed incoming x-request-id, else
// a new one), sent back as x-request-id and carried by every log line written while it
// runs; one access-log line; the request counters and latency histograms.
//
// No global onRequest hook: with one, Elysia stops handing its static routes (the
// console's HTML bundle) to Bun.serve. Those pages are served by Bun itself and are
// neither logged nor counted here.
import { Elysia, StatusMap } from 'elysia'
import { annotateLogContext, enterLogContext, type Log, type LogContext } from '../log'
import { SCIM_PREFIX } from '../scim'
import { Counter, Gauge, Histogram, type Registry } from './registry'

/** An id from a client or proxy is kept only when it cannot smuggle anything into a log line or header. */
export const TRUSTED_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/

export function requestId(incoming: string | null): string {
  return incoming && TRUSTED_REQUEST_ID.test(incoming) ? incoming : crypto.randomUUID()
}

/** Probes and scrapes: every few seconds, so their access lines are debug. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics'])

/** A client may send any method: the label takes the ones we route, so it cannot grow without bound. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'])

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** The SCIM resource of a route pattern: /api/connect/v1/scim/2.0/Users/:id -> Users. */
export function scimResource(route: string): string | null {
  if (!route.startsWith(SCIM_PREFIX)) return null
  const first = route.slice(SCIM_PREFIX.length).split('/')[1]
  return !first ? 'root' : first === '*' ? 'unknown' : first
}

export function requestMetrics(registry: Registry) {
  return {
    requests: registry.register(new Counter('http_requests_total', 'HTTP requests answered, by route pattern and status', ['method', 'route', 'status'])),
    duration: registry.register(new Histogram('http_request_duration_seconds', 'Time from routing to the response, by route pattern and status', ['method', 'route', 'status'], SECONDS)),
    inFlight: registry.register(new Gauge('http_requests_in_flight', 'Requests being handled by this process')),
    scimRequests: registry.register(new Counter('scim_requests_total', 'SCIM requests answered, by resource and status', ['method', 'resource', 'status'])),
    scimDuration: registry.register(new Histogram('scim_request_duration_seconds', 'SCIM request latency, by resource', ['method', 'resource'], SECONDS)),
  }
}

type Tracked = { started?: number; context: LogContext }

/**
 * Two plugins, mounted around the routes that must stay static. Elysia hands a route to
 * Bun.serve as a static route (the console's HTML bundle) only when no hook but error
 * and afterResponse applies to it, and hooks apply to the routes registered after them:
 * - `answered` (error, afterResponse: counts and the access line) goes first and covers every route;
 * - `arrived` (transform: id, start time, log context) goes after the static routes.
 * A route between the two would be counted and logged with a fresh id that is not sent
 * back, and no duration: only the console's static pages sit there, and Bun serves them.
 */
export function requestTracking(log: Log, m: ReturnType<typeof requestMetrics>) {
  const tracked = new WeakMap<Request, Tracked>()
  let inFlight = 0

  // A routed request meets transform first; one that fails before (no route: 404; a
  // body that does not parse) meets error first.
  const begin = (request: Request, set: { headers: Record<string, unknown> }): Tracked => {
    let t = tracked.get(request)
    if (!t) {
      const id = requestId(request.headers.get('x-request-id'))
      t = { started: performance.now(), context: enterLogContext({ requestId: id }) }
      tracked.set(request, t)
      set.headers['x-request-id'] = id
      m.inFlight.set({}, ++inFlight)
    }
    return t
  }

  const arrived = new Elysia({ name: 'request-arrived' }).onTransform({ as: 'global' }, ({ request, set, params }) => {
    begin(request, set)
    const orgId = (params as Record<string, string> | undefined)?.orgId
    if (orgId) annotateLogContext({ organizationId: orgId })
  })

  const answered = new Elysia({ name: 'request-answered' })
    .onError({ as: 'global' }, ({ request, set }) => {
      begin(request, set)
    })
    // Runs once the answer is out: the request's URL and headers are gone by then (Bun), `path` is not.
    .onAfterResponse({ as: 'global' }, ({ request, set, route, path, responseValue }) => {
      const t = tracked.get(request) ?? { context: { requestId: crypto.randomUUID() } }
      if (t.started !== undefined) m.inFlight.set({}, --inFlight)
      tracked.delete(request)
      const status = responseValue instanceof Response ? responseValue.status : typeof set.status === 'number' ? set.status : (StatusMap[set.status as keyof typeof StatusMap] ?? 200)
      const labels = { method: METHODS.has(request.method) ? request.method : 'other', route: route || 'unmatched', status: String(status) }
      const seconds = t.started === undefined ? undefined : (performance.now() - t.started) / 1000
      m.requests.inc(labels)
      if (seconds !== undefined) m.duration.observe(labels, seconds)
      const resource = scimResource(labels.route)
      if (resource) {
        m.scimRequests.inc({ method: labels.method, resource, status: labels.status })
        if (seconds !== undefined) m.scimDuration.observe({ method: labels.method, resource }, seconds)
      }
      // The path, never the query string: a filter can carry a user's name or email.
      const line = { ...labels, path, status, ...(seconds === undefined ? {} : { durationMs: Math.round(seconds * 1e4) / 10 }) }
      // The request's context passed along, not entered: a line the level drops then costs nothing more.
      ;(QUIET.has(path) ? log.debug : log.info)('request', line, t.context)
    })

  return { answered, arrived }
}
