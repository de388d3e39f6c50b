// What a request may weigh: body size, content type, JSON shape, and how often a
// token may call. Everything here answers a clear 4xx before any work is done.
import { ScimError, invalidSyntax, invalidValue } from './errors'
import { ScimHttpError } from './reply'

/** Deeper than any SCIM body (a PATCH value inside an extension is ~8 levels). */
export const MAX_JSON_DEPTH = 32

const tooLarge = (max: number) => new ScimError(413, undefined, `the request body exceeds the limit of ${max} bytes`)

/** Refuses a declared oversize body before anything is read or authenticated. */
export function checkContentLength(headers: Headers, max: number): void {
  const declared = headers.get('content-length')
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > max) throw tooLarge(max)
}

/**
 * JSON bodies only: application/scim+json, application/json (Okta) or any +json
 * type, with any parameters; a missing Content-Type is read as JSON too, since
 * some clients omit it. Anything else (form posts, text/plain) is 415.
 */
export function checkContentType(headers: Headers): void {
  const raw = headers.get('content-type')
  if (raw === null || raw.trim() === '') return
  const type = raw.split(';')[0]!.trim().toLowerCase()
  if (type === 'application/json' || type === 'application/scim+json' || /^application\/[\w.-]+\+json$/.test(type)) return
  throw new ScimError(415, undefined, `Content-Type ${JSON.stringify(raw)} is not supported; send application/scim+json or application/json`)
}

/**
 * Reads a body as UTF-8 text. The stream is read chunk by chunk and abandoned as soon
 * as it passes `max` bytes, so a 10 MB body is refused after about `max` bytes
 * whatever its Content-Length said. Invalid UTF-8 is 400: it cannot be stored.
 */
export async function readText(request: Request, max: number): Promise<string> {
  const bytes = await readCapped(request, max)
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    throw invalidSyntax('the request body is not valid UTF-8')
  }
}

/**
 * Parses a JSON body. Malformed JSON, hostile nesting and NUL characters are 400:
 * none of them can be stored, and none reach a handler.
 */
export function parseJson(text: string): unknown {
  if (text.trim() === '') throw invalidSyntax('the request body is empty; send a JSON object')
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (e) {
    // JSON.parse's message names the position; a RangeError is nesting too deep for it.
    const why = e instanceof RangeError ? 'it is nested too deeply' : (e as Error).message
    throw invalidSyntax(`the request body is not valid JSON: ${why}`)
  }
  checkShape(value)
  return value
}

async function readCapped(request: Request, max: number): Promise<Uint8Array> {
  if (!request.body) return new Uint8Array(0)
  const reader = request.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > max) {
      await reader.cancel().catch(() => {})
      throw tooLarge(max)
    }
    chunks.push(value)
  }
  const out = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    out.set(c, at)
    at += c.byteLength
  }
  return out
}

/** Nesting depth and NUL characters, checked iteratively (no recursion to overflow). */
function checkShape(root: unknown): void {
  const stack: [unknown, number][] = [[root, 0]]
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!
    if (typeof v === 'string') {
      if (v.includes('\0')) throw invalidValue('the request body contains a NUL character, which no attribute accepts')
      continue
    }
    if (v === null || typeof v !== 'object') continue
    if (depth >= MAX_JSON_DEPTH) throw invalidSyntax(`the request body is nested more than ${MAX_JSON_DEPTH} levels deep`)
    if (Array.isArray(v)) {
      for (const x of v) stack.push([x, depth + 1])
    } else {
      for (const [k, x] of Object.entries(v)) {
        if (k.includes('\0')) throw invalidValue('the request body contains a NUL character, which no attribute accepts')
        stack.push([x, depth + 1])
      }
    }
  }
}

/**
 * Bounds every array in a body (and the PATCH Operations list). The PATCH engine
 * compares values pairwise when it merges multi-valued attributes, so an unbounded
 * array would cost quadratic time; the schema allows 100 values per attribute anyway.
 */
export function checkArrays(body: unknown, maxItems: number, maxOperations: number): void {
  const stack: [unknown, string][] = [[body, '']]
  while (stack.length > 0) {
    const [v, path] = stack.pop()!
    if (v === null || typeof v !== 'object') continue
    if (Array.isArray(v)) {
      const isOps = path.toLowerCase() === 'operations'
      const max = isOps ? maxOperations : maxItems
      if (v.length > max) {
        throw invalidValue(`"${path || 'body'}" has ${v.length} ${isOps ? 'operations' : 'values'}; at most ${max} are allowed in one request`)
      }
      v.forEach((x, i) => stack.push([x, `${path}[${i}]`]))
    } else {
      for (const [k, x] of Object.entries(v)) stack.push([x, path ? `${path}.${k}` : k])
    }
  }
}

/**
 * Per-token token bucket: `perMinute` requests a minute on average, bursts up to
 * the same number. In memory, per process: behind N replicas a token gets up to N
 * times the rate, which is what a safety valve needs (it is not a billing meter).
 */
export class RateLimiter {
  private buckets = new Map<string, { tokens: number; at: number }>()
  private lastSweep = 0

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one request's worth; throws 429 with Retry-After when the bucket is empty. 0 = no limit. */
  take(key: string): void {
    if (this.perMinute <= 0) return
    const t = this.now()
    const perMs = this.perMinute / 60_000
    const b = this.buckets.get(key) ?? { tokens: this.perMinute, at: t }
    b.tokens = Math.min(this.perMinute, b.tokens + (t - b.at) * perMs)
    b.at = t
    this.buckets.set(key, b)
    this.sweep(t)
    if (b.tokens >= 1) {
      b.tokens -= 1
      return
    }
    const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000))
    throw new ScimHttpError(429, undefined, `rate limit of ${this.perMinute} requests a minute exceeded; retry after ${retryAfter} s`, {
      'retry-after': String(retryAfter),
    })
  }

  /** Forgets buckets that have refilled completely, so memory follows active tokens only. */
  private sweep(t: number): void {
    if (t - this.lastSweep < 60_000) return
    this.lastSweep = t
    for (const [k, b] of this.buckets) if (t - b.at > 60_000) this.buckets.delete(k)
  }
}
