// The PatchOp message (RFC 7644 §3.5.2), checked before any operation runs.
// Member names are matched case-insensitively (RFC 7643 §2.1 makes attribute names
// case-insensitive, and clients vary: `Operations`/`operations`, `op`/`Op`);
// op values too, since Entra sends `Add`, `Replace`, `Remove`.
import { invalidSyntax, invalidValue } from '../errors'
import { getAttribute, isRecord } from '../filter/eval'

export const PATCH_OP_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

export type OpName = 'add' | 'replace' | 'remove'

export interface Operation {
  op: OpName
  /** Absent when the client sent no path, null, or an empty string. */
  path?: string
  /** undefined only for `remove` without a value. */
  value?: unknown
}

const OPS: readonly string[] = ['add', 'replace', 'remove']

export function parsePatchRequest(body: unknown): Operation[] {
  if (!isRecord(body)) throw invalidSyntax('the PATCH body must be a JSON object (a PatchOp message)')
  // RFC 7644 §3.5.2 requires the schema; Entra and Okta always send it, so a body
  // without it is more likely a PUT body sent with the wrong method than a PatchOp.
  const schemas = getAttribute(body, 'schemas')
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === PATCH_OP_SCHEMA.toLowerCase())) {
    throw invalidSyntax(`"schemas" must be an array containing "${PATCH_OP_SCHEMA}"`)
  }
  const ops = getAttribute(body, 'Operations')
  if (!Array.isArray(ops) || ops.length === 0) throw invalidSyntax('"Operations" must be a non-empty array of operations')
  return ops.map(parseOperation)
}

function parseOperation(raw: unknown, i: number): Operation {
  const where = `Operations[${i}]`
  if (!isRecord(raw)) throw invalidSyntax(`${where} must be an object with "op", and "path" and/or "value"`)
  const op = getAttribute(raw, 'op')
  if (typeof op !== 'string' || !OPS.includes(op.toLowerCase())) {
    throw invalidSyntax(`${where}.op must be "add", "replace" or "remove", not ${JSON.stringify(op) ?? 'missing'}`)
  }
  const name = op.toLowerCase() as OpName
  const path = getAttribute(raw, 'path')
  if (path !== undefined && path !== null && typeof path !== 'string') {
    throw invalidSyntax(`${where}.path must be a string, not ${JSON.stringify(path)}`)
  }
  const value = getAttribute(raw, 'value')
  if (name !== 'remove' && value === undefined) throw invalidValue(`${where} (${name}) needs a "value"`)
  const out: Operation = { op: name }
  if (typeof path === 'string' && path.trim() !== '') out.path = path.trim()
  if (value !== undefined) out.value = value
  return out
}
