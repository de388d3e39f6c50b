// JSON helpers for the PATCH engine: canonical attribute names, "unassigned"
// (RFC 7643 §2.5: null, [] and absent are the same state) and loose equality.
import { isRecord } from '../filter/eval'
import { findAttribute } from '../../schema'
import type { Attribute } from '../../schema/types'
import { asBoolean } from '../validate'

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

/**
 * A bucket key for `sameValue`: equal values (in its loose sense) always get the
 * same key, so only values sharing a key need comparing. Not an identity: "42" and
 * "42.0" share a key (both equal 42) but are not the same value.
 */
export function looseKey(v: unknown): string {
  if (isUnassigned(v)) return 'u'
  if (Array.isArray(v)) return `[${v.map(looseKey).join(',')}]`
  if (isRecord(v)) {
    const parts: string[] = []
    for (const k of Object.keys(v).sort()) {
      const x = looseKey(v[k])
      if (x !== 'u') parts.push(`${JSON.stringify(k)}:${x}`)
    }
    return `{${parts.join(',')}}`
  }
  if (typeof v === 'string') {
    const lower = v.toLowerCase()
    if (lower === 'true' || lower === 'false') return `b${lower}`
    return v.trim() !== '' && !Number.isNaN(Number(v)) ? `n${Number(v)}` : `s${v}`
  }
  return typeof v === 'boolean' ? `b${v}` : typeof v === 'number' ? `n${v}` : `o${String(v)}`
}

/** Distinct values by `sameValue`, bucketed by `looseKey`: adding n values costs about n comparisons, not n². */
export class ValueSet {
  private readonly buckets = new Map<string, unknown[]>()

  constructor(values: Iterable<unknown> = []) {
    for (const v of values) this.add(v)
  }

  /** Adds `v` unless a same value is present; returns whether it was added. */
  add(v: unknown): boolean {
    const key = looseKey(v)
    const bucket = this.buckets.get(key)
    if (!bucket) this.buckets.set(key, [v])
    else if (bucket.some((x) => sameValue(x, v))) return false
    else bucket.push(v)
    return true
  }
}

/** `"True"` counts: primary flags arrive as strings from Entra. */
export function isTrue(v: unknown): boolean {
  return asBoolean(v) === true
}
