// Redaction and serialisation of audited bodies. Pure: no I/O, no clock.
// Passwords, secrets and tokens never reach the audit table, whatever shape they arrive in.

export const REDACTED = '[REDACTED]'

// A key is secret when its name ends with one of these words (clientSecret, apiToken,
// newPassword, private_key, x-api-key, ...). Matching the ending, not the whole name,
// keeps the list short without missing the provider-specific variants.
const SECRET_KEY = String.raw`[\w-]*(?:password|passwd|secret|token|authorization|api[_-]?key|private[_-]?key|service[_-]?account[_-]?key)`
const SECRET_KEY_EXACT = new RegExp(`^${SECRET_KEY}$`, 'i')

// The same secrets inside free text: a body that is not JSON, an error message, a query string.
const TEXT_RULES: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9\-._~+/]+=*/gi, `$1 ${REDACTED}`],
  // Our own SCIM tokens: scim_ + 43 base64url characters (server/scim/token.ts).
  [/\bscim_[A-Za-z0-9_-]{32,}/g, REDACTED],
  [new RegExp(`("${SECRET_KEY}"\\s*:\\s*)(?:"(?:[^"\\\\]|\\\\.)*"?|[^,}\\]\\s]+)`, 'gi'), `$1"${REDACTED}"`],
  [new RegExp(`(\\b${SECRET_KEY}=)[^&\\s]*`, 'gi'), `$1${REDACTED}`],
]

// Deeper than any real SCIM body; stops hostile nesting from overflowing the stack.
const MAX_DEPTH = 64

// Bodies repeat the same few keys thousands of times; remember the answers (bounded,
// since clients choose the keys).
const keyCache = new Map<string, boolean>()

export function isSecretKey(key: string): boolean {
  let secret = keyCache.get(key)
  if (secret === undefined) {
    secret = SECRET_KEY_EXACT.test(key)
    if (keyCache.size < 10_000) keyCache.set(key, secret)
  }
  return secret
}

/**
 * Whether a SCIM PATCH path names a secret attribute: `password`,
 * `urn:...:User:password`, `credentials.apiToken`. The value of such an operation is secret.
 */
export function isSecretPath(path: string): boolean {
  const attribute = path.replace(/\[[^\]]*\]/g, '').split(':').at(-1)!.split('.').at(-1)!
  return isSecretKey(attribute.trim())
}

// Every rule needs one of these words; most strings (ids, names, emails) have none, and
// one scan is much cheaper than running every rule on each of a large body's strings.
const MAY_HOLD_SECRET = /bearer|basic|scim_|passw|secret|token|authoriz|key/i

export function redactText(text: string): string {
  if (!MAY_HOLD_SECRET.test(text)) return text
  let out = text
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement)
  return out
}

/** A copy of a JSON-like value with every secret replaced by "[REDACTED]". */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value)
  if (value === null || typeof value !== 'object') return value
  if (depth >= MAX_DEPTH) return '[too deep]'
  if (Array.isArray(value)) return value.map((item) => redactValue(item, depth + 1))
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return redactValue((value as { toJSON(): unknown }).toJSON(), depth)
  const entries = Object.entries(value)
  // A PATCH operation {op, path: "password", value: "..."}: the secret is under `value`.
  const path = (value as { path?: unknown }).path
  const secretValue = typeof path === 'string' && isSecretPath(path)
  const out: Record<string, unknown> = {}
  for (const [key, item] of entries) {
    out[key] = isSecretKey(key) || (secretValue && key.toLowerCase() === 'value') ? REDACTED : redactValue(item, depth + 1)
  }
  return out
}

/**
 * A body already serialized by JSON.stringify (a response on its way out): audited
 * without a second stringify when it holds nothing to redact.
 */
export class JsonText {
  constructor(readonly text: string) {}
}

/**
 * The text stored for a request or response body: JSON with secrets redacted, capped at
 * maxBytes of UTF-8. A string is parsed as JSON when it is JSON (a raw request body),
 * otherwise redacted as text. null/undefined mean "no body".
 */
export function serializeBody(body: unknown, maxBytes: number): string | null {
  if (body === undefined || body === null) return null
  if (body instanceof Uint8Array || body instanceof ArrayBuffer) body = new TextDecoder().decode(body)
  let text: string
  if (body instanceof JsonText) {
    // JSON.stringify writes keys and strings literally, so the scan cannot miss a secret.
    text = MAY_HOLD_SECRET.test(body.text) ? JSON.stringify(redactValue(JSON.parse(body.text))) : body.text
  } else if (typeof body === 'string') {
    const parsed = parseJson(body)
    text = parsed === undefined ? redactText(body) : (plainJson(parsed) ?? JSON.stringify(redactValue(parsed)))
  } else {
    text = plainJson(body) ?? JSON.stringify(redactValue(body)) ?? String(body)
  }
  return capText(text, maxBytes)
}

/**
 * The fast path: the JSON text of a value that redactValue would return unchanged,
 * else undefined. That is a value no deeper than MAX_DEPTH whose text has none of the
 * words every secret key, secret PATCH path and text rule needs (MAY_HOLD_SECRET):
 * JSON.stringify writes keys and strings out literally, so a secret cannot hide from
 * the scan. Most bodies take it and skip redactValue's deep copy.
 */
function plainJson(value: unknown): string | undefined {
  if (deeperThan(value, 0)) return undefined
  const text = JSON.stringify(value) as string | undefined
  return text !== undefined && !MAY_HOLD_SECRET.test(text) ? text : undefined
}

/** Whether redactValue would cut the value at MAX_DEPTH (same depth accounting, no copy). */
function deeperThan(value: unknown, depth: number): boolean {
  if (value === null || typeof value !== 'object') return false
  if (depth >= MAX_DEPTH) return true
  if (Array.isArray(value)) {
    for (const item of value) if (deeperThan(item, depth + 1)) return true
    return false
  }
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return deeperThan((value as { toJSON(): unknown }).toJSON(), depth)
  for (const key in value) {
    if (Object.hasOwn(value, key) && deeperThan((value as Record<string, unknown>)[key], depth + 1)) return true
  }
  return false
}

function parseJson(text: string): unknown {
  const head = text.trimStart()[0]
  if (head !== '{' && head !== '[') return undefined
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Cuts text to at most maxBytes of UTF-8, ending with `…[truncated N bytes]` (N: bytes
 * cut). The cut never splits a character.
 */
export function capText(text: string, maxBytes: number): string {
  // A UTF-16 unit is at most 3 UTF-8 bytes: most texts are short enough to skip counting.
  if (text.length * 3 <= maxBytes || Buffer.byteLength(text, 'utf8') <= maxBytes) return text
  const bytes = Buffer.from(text, 'utf8')
  // The marker's length depends on N, which depends on where we cut: settle it in two passes.
  let keep = Math.max(0, maxBytes - Buffer.byteLength(marker(bytes.length)))
  keep = Math.max(0, maxBytes - Buffer.byteLength(marker(bytes.length - keep)))
  // Back off UTF-8 continuation bytes (10xxxxxx) so the kept prefix decodes cleanly.
  while (keep > 0 && (bytes[keep]! & 0xc0) === 0x80) keep--
  return bytes.subarray(0, keep).toString('utf8') + marker(bytes.length - keep)
}

const marker = (cut: number) => `…[truncated ${cut} bytes]`
