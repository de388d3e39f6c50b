// The admin API's OpenAPI 3.1 document, generated from the routes as registered: their
// params, query and body schemas (the valibot schemas that validate them), the scope
// each declares (`detail.security`, admin/auth.ts) and the answer each documents with
// `answers()`. Errors follow from what a route has: every authenticated route can
// answer 401, 403, 429 and 503 (these two with Retry-After); one with input, 400; one
// with path ids, 404; a change, 409.
//
// Approximated: a schema's checks (v.check) and what follows a transform in a pipe
// cannot be said in JSON Schema, so inputs are documented as they arrive (a query's
// `limit` is a string of digits) with the checks' messages left to the 400 answer.
import { toJsonSchema, type JsonSchema } from '@valibot/to-json-schema'
import type { DocumentDecoration } from 'elysia'
import type * as v from 'valibot'
import { SCHEME } from './auth'
import { ErrorBody } from './model'

type Schema = v.GenericSchema
type Route = { method: string; path: string; hooks: { params?: unknown; query?: unknown; body?: unknown; detail?: unknown } }

const STATUS_TEXT: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content' }

// Trimming and case folding change no type: the limits after them still hold for the input.
const IGNORED_ACTIONS = ['trim', 'to_lower_case', 'to_upper_case']

function jsonSchema(schema: Schema, typeMode: 'input' | 'output'): JsonSchema {
  const { $schema: _, ...json } = toJsonSchema(schema, { target: 'draft-2020-12', typeMode, errorMode: 'ignore', ignoreActions: IGNORED_ACTIONS })
  return json
}

/**
 * A route's success answer, for its `detail` option: `detail: answers(200, Organization)`.
 * No schema means no body (204), or a body the README describes (a CSV file).
 */
export function answers(status: number, body?: Schema, mediaType = 'application/json'): DocumentDecoration {
  const content = body ? { content: { [mediaType]: { schema: jsonSchema(body, 'output') } } } : {}
  return { responses: { [status]: { description: STATUS_TEXT[status] ?? String(status), ...content } } } as DocumentDecoration
}

const ERROR = { $ref: '#/components/schemas/Error' }

const ERRORS = {
  400: 'invalid_request (the message names the field and what it must be) or invalid_json',
  401: 'unauthorized: no credential, or one that is not ADMIN_TOKEN, a live access key or a console session',
  403: "forbidden: the credential lacks the route's scope, or is bound to an organization where the route needs an unbound one",
  404: 'not_found: no such resource (or one of an organization the credential is not bound to)',
  409: 'conflict: the resource is in a state that refuses this change now (the message says which)',
  429: "too_many_failures: this client's credentials kept failing; retry after Retry-After with a valid one",
  503: 'database_unavailable, busy, temporal_unavailable or secrets_key_missing: retry after Retry-After, or fix what the message names',
} as const

// Both are sent with every 429 and 503 (admin/auth.ts, admin/errors.ts).
const RETRY_AFTER = {
  'Retry-After': { description: 'seconds to wait before retrying', required: true, schema: { type: 'integer', minimum: 1 } },
}
const WITH_RETRY_AFTER: readonly number[] = [429, 503]

function errorsOf(route: Route, open: boolean): Record<string, unknown> {
  if (open) return {}
  const statuses: (keyof typeof ERRORS)[] = [401, 403, 429, 503]
  if (route.hooks.params || route.hooks.query || route.hooks.body) statuses.push(400)
  if (route.path.includes(':')) statuses.push(404)
  if (route.method !== 'GET') statuses.push(409)
  return Object.fromEntries(
    statuses.sort().map((s) => [
      s,
      { description: ERRORS[s], ...(WITH_RETRY_AFTER.includes(s) ? { headers: RETRY_AFTER } : {}), content: { 'application/json': { schema: ERROR } } },
    ]),
  )
}

/** An object schema's fields as OpenAPI parameters (path ones are always required). */
function parameters(schema: unknown, where: 'path' | 'query'): unknown[] {
  if (!schema) return []
  const json = jsonSchema(schema as Schema, 'input')
  const required = new Set(json.required ?? [])
  return Object.entries(json.properties ?? {}).map(([name, field]) => ({ name, in: where, required: where === 'path' || required.has(name), schema: field }))
}

// Typed loosely: Elysia's DocumentDecoration has OpenAPI 3.0's types, this is 3.1 (JSON Schema 2020-12).
function operation(route: Route): Record<string, unknown> {
  const { responses, ...detail } = (route.hooks.detail ?? {}) as { responses?: Record<string, unknown>; security?: unknown[] }
  const open = Array.isArray(detail.security) && detail.security.length === 0
  const params = [...parameters(route.hooks.params, 'path'), ...parameters(route.hooks.query, 'query')]
  return {
    ...detail,
    ...(params.length ? { parameters: params } : {}),
    ...(route.hooks.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.hooks.body as Schema, 'input') } } } } : {}),
    responses: { ...responses, ...errorsOf(route, open) },
  }
}

/** `:id` → `{id}`. */
export const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}')

/** The document for `routes` (the admin plugin's), served at `{serverUrl}{route path}`. */
export function openApiDocument(routes: readonly Route[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {}
  for (const route of routes) (paths[openApiPath(route.path)] ??= {})[route.method.toLowerCase()] = operation(route)
  return {
    openapi: '3.1.0',
    info: {
      title: 'scim-bridge admin API',
      version: 'v1',
      description: 'Organizations, their SCIM configuration, bridges, the directory, change events, webhooks and access keys. Errors are { error: { code, message } }.',
    },
    servers: [{ url: serverUrl }],
    paths,
    components: {
      schemas: { Error: jsonSchema(ErrorBody, 'output') },
      securitySchemes: {
        [SCHEME]: {
          type: 'http',
          scheme: 'bearer',
          description: "ADMIN_TOKEN (every scope) or an access key; a route's security lists the scope it needs, and `admin` grants them all.",
        },
      },
    },
  }
}
