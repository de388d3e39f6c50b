// JSON helpers for the PATCH engine: canonical attribute names, "unassigned"
// (RFC 7643 §2.5: null, [] and absent are the same state) and loose equality.
import { isRecord } from '../filter/eval'
import { findAttribute } from '../schema'
import type { Attribute } from '../schema/types'

export type Json = Record<string, unknown>

/** The key of `obj` naming `name`, case-insensitively. */
export function keyOf(obj: Json, name: string): string | undefined {
  if (name in obj) return name
  const lower = name.toLowerCase()
  return Object.keys(obj).find((k) => k.toLowerCase() === lower)
}

/**
 * Sets `obj[name]` under its canonical spelling (dropping other spellings), or
 * deletes it when `value` is unassigned, so results never carry `null` or `[]`.
 */
export function put(obj: Json, name: string, value: unknown): void {
  const existing = keyOf(obj, name)
  if (existing !== undefined && existing !== name) delete obj[existing]
  if (isUnassigned(value)) delete obj[name]
  else obj[name] = value
}

export function isUnassigned(v: unknown): boolean {
  if (v === undefined || v === null) return true
  if (Array.isArray(v)) return v.length === 0
  return isRecord(v) && Object.values(v).every(isUnassigned)
}

/** Multi-valued attributes take an array; clients often send one element bare. */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : isUnassigned(v) ? [] : [v]
}

/**
 * One value of `attr` as the resource stores it: sub-attribute keys canonical,
 * readOnly sub-attributes dropped (the server owns them, e.g. manager.displayName),
 * and a bare string for a complex attribute with a `value` read as `{value}`
 * (Probo and Entra send `manager` as a plain id). Unknown keys and wrong types
 * are left for the validator to reject.
 */
export function canonical(attr: Attribute, v: unknown): unknown {
  if (attr.type !== 'complex') return v
  if (typeof v === 'string' && findAttribute(attr.subAttributes, 'value')) return { value: v }
  if (!isRecord(v)) return v
  const out: Json = {}
  for (const [k, x] of Object.entries(v)) {
    const sub = findAttribute(attr.subAttributes, k)
    if (sub?.mutability === 'readOnly' || x === undefined) continue
    out[sub?.name ?? k] = x
  }
  return out
}

/**
 * Equality of two JSON values as states: unassigned values are equal, and a
 * boolean or number equals its string form ("False", "42"), which the validator
 * coerces later. So re-sending a value (as Entra does) is not a change.
 */
export function sameValue(a: unknown, b: unknown): boolean {
  if (isUnassigned(a) || isUnassigned(b)) return isUnassigned(a) && isUnassigned(b)
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameValue(x, b[i]))
  }
  if (isRecord(a) || isRecord(b)) {
    if (!isRecord(a) || !isRecord(b)) return false
    const keys = new Set([...Object.keys(a), ...Object.keys(b)])
    for (const k of keys) if (!sameValue(a[k], b[k])) return false
    return true
  }
  return a === b || looseScalar(a, b) || looseScalar(b, a)
}

function looseScalar(a: unknown, b: unknown): boolean {
  if (typeof b !== 'string') return false
  if (typeof a === 'boolean') return String(a) === b.toLowerCase()
  return typeof a === 'number' && b.trim() !== '' && Number(b) === a
}

/** `"True"` counts: primary flags arrive as strings from Entra. */
export function isTrue(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true')
}
