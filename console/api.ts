// The admin API from the browser: the session cookie authenticates (same origin, sent by
// the browser; the page never sees a token). Errors carry the API's own message, which
// says what to do; a 401 sends the admin back to the login page.
import { navigate } from './router'

export const API = '/api/admin/v1'

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  }).catch(() => {
    throw new ApiFailure(0, 'network', 'the server cannot be reached: check your connection and retry')
  })
  if (res.ok) return res
  const answer = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null
  const failure = new ApiFailure(res.status, answer?.error?.code ?? 'http', answer?.error?.message ?? `the server answered ${res.status}`)
  if (res.status === 401 && !path.startsWith('/console/api/session')) navigate(`/console/login?next=${encodeURIComponent(location.pathname + location.search)}`)
  throw failure
}

/** A JSON answer of the admin API (`path` below /api/admin/v1), or null for 204. */
export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, `${API}${path}`, body)
  return (res.status === 204 ? null : await res.json()) as T
}

export const get = <T = any>(path: string) => api<T>('GET', path)

type Fn = (...args: never[]) => unknown

/**
 * A server type as its JSON arrives here: dates as ISO strings, functions left out. Pages
 * describe answers as `Json<X>` of the server's own type, imported with `import type`
 * only: a value import would bundle server code (postgres, Bun) into the browser.
 */
export type Json<T> = T extends Date
  ? string
  : T extends readonly unknown[]
    ? { [K in keyof T]: Json<T[K]> }
    : T extends object
      ? { [K in keyof T as T[K] extends Fn ? never : K]: Json<T[K]> }
      : T

/** A list answer: a page of items and where the next one starts (null on the last). */
export type Page<T> = { items: T[]; nextCursor: string | null }

export type Session = {
  kind: 'root' | 'key'
  organizationId: string | null
  scimEndpoint: string
  temporalUi: { url: string; namespace: string } | null
}

export const session = {
  async current(): Promise<Session | null> {
    try {
      return (await (await send('GET', '/console/api/session')).json()) as Session
    } catch (e) {
      if (e instanceof ApiFailure && e.status === 401) return null
      throw e
    }
  },
  login: (token: string) => send('POST', '/console/api/session', { token }),
  logout: () => send('DELETE', '/console/api/session'),
}

/** A query string from the set values only. */
export function query(params: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams()
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v))
  const s = q.toString()
  return s ? `?${s}` : ''
}
