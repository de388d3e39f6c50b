// Small helpers shared by the HTTP plugins (admin, health, SCIM).
import * as v from 'valibot'

/** An admin API error: rendered as { error: { code, message } }. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Validates input with a valibot schema; the first issue becomes a 400 naming the field. */
export function parseInput<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, input)
  if (r.success) return r.output
  const issue = r.issues[0]
  const path = v.getDotPath(issue)
  throw new ApiError(400, 'invalid_request', path ? `${path}: ${issue.message}` : issue.message)
}

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function safeEqual(a: string, b: string): boolean {
  const ha = new Bun.CryptoHasher('sha256').update(a).digest()
  const hb = new Bun.CryptoHasher('sha256').update(b).digest()
  return crypto.timingSafeEqual(ha, hb)
}

export function bearer(header: string | null | undefined): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')
  return m ? m[1]! : null
}
