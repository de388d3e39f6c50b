// Validates and coerces an incoming User/Group body against the schema and returns
// it in canonical form: attribute names spelled as in the schema, extension
// attributes under their URN key, values of the declared type. Real clients are
// sloppy in known ways (any-case keys, "True" strings, URN-prefixed flat keys,
// extra attributes), so those are accepted; a known attribute of the wrong type
// is not.
import { isCalendarDate } from '../dates'
import { ScimError, invalidSyntax, invalidValue } from './errors'
import { findAttribute, isExtension, resolveAttribute, schemaById, schemasOf } from '../schema'
import { type Attribute, type ResourceType, type Schema, isObject, type ScimObject } from '../schema/types'

/**
 * `create` (POST), `replace` (PUT) and `patchResult` (the resource after PATCH ops were
 * applied) share the rules; the context only changes how a missing required
 * attribute is explained.
 */
export type ValidateContext = 'create' | 'replace' | 'patchResult'

export interface ValidateLimits {
  /** Longest string value (default 2048). */
  maxStringLength?: number
  /** Longest binary (base64) value, e.g. a certificate (default 16384). */
  maxBinaryLength?: number
  /** Most elements in a multi-valued attribute (default MAX_VALUES); `unbounded` attributes have no limit. */
  maxItems?: number
}

/** Most values of a multi-valued attribute, unless the schema marks it `unbounded`. */
export const MAX_VALUES = 100

const DEFAULTS: Required<ValidateLimits> = { maxStringLength: 2048, maxBinaryLength: 16384, maxItems: MAX_VALUES }

export function validateResource(
  rt: ResourceType,
  body: unknown,
  context: ValidateContext,
  limits: ValidateLimits = {},
): ScimObject {
  if (!isObject(body)) throw invalidSyntax(`the request body must be a JSON object representing a ${rt.name}`)
  const lim = { ...DEFAULTS, ...limits }
  // Raw values per schema, keyed by canonical attribute name; coerced afterwards.
  const raw = new Map<Schema, ScimObject>(schemasOf(rt).map((s) => [s, {}]))

  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') continue
    const schema = schemaById(key)
    if (schema && raw.has(schema)) {
      if (value === null) continue
      if (!isObject(value)) throw invalidValue(`"${schema.id}" must be an object of ${schema.name} attributes`)
      for (const [k, v] of Object.entries(value)) place(rt, raw, `${schema.id}:${k}`, v)
    } else {
      place(rt, raw, key, value)
    }
  }

  const schemas: string[] = []
  const out: ScimObject = { schemas }
  for (const [schema, values] of raw) {
    const target: ScimObject = {}
    for (const a of schema.attributes) {
      const v = coerce(a, values[a.name], a.name, lim)
      if (v !== undefined && !(a.required && typeof v === 'string' && v.trim() === '')) target[a.name] = v
      else if (a.required) throw missing(rt, a, context)
    }
    if (!isExtension(rt, schema)) {
      Object.assign(out, target)
      schemas.push(schema.id)
    } else if (Object.keys(target).length > 0) {
      out[schema.id] = target
      schemas.push(schema.id)
    }
  }
  return out
}

/** Records `key: value` under its attribute; dotted keys (`name.givenName`) merge into the complex value. */
function place(rt: ResourceType, raw: Map<Schema, ScimObject>, key: string, value: unknown): void {
  const r = resolveAttribute(rt, key)
  if (!r) return // unknown attributes are ignored: clients send extras
  const values = raw.get(r.schema)!
  const name = r.attribute.name
  if (!r.subAttribute) {
    values[name] = isObject(value) && isObject(values[name]) ? { ...(values[name] as ScimObject), ...value } : value
    return
  }
  if (r.attribute.multiValued) {
    throw invalidValue(`"${key}" sets a sub-attribute of the multi-valued "${name}"; send "${name}" as an array`)
  }
  const current = values[name]
  values[name] = { ...(isObject(current) ? current : {}), [r.subAttribute.name]: value }
}

function missing(rt: ResourceType, a: Attribute, context: ValidateContext): ScimError {
  const why =
    context === 'patchResult'
      ? `the PATCH would leave the ${rt.name} without "${a.name}", which is required`
      : `"${a.name}" is required ${context === 'create' ? 'to create' : 'to replace'} a ${rt.name}`
  return invalidValue(why)
}

/** The coerced value, or undefined when it is unassigned (absent, null, read-only, write-only). */
function coerce(a: Attribute, value: unknown, label: string, lim: Required<ValidateLimits>): unknown {
  // readOnly input is ignored (RFC 7643 §2.2); password is accepted but never kept here.
  if (value === undefined || value === null || a.mutability === 'readOnly' || a.mutability === 'writeOnly') return undefined
  if (!a.multiValued) return single(a, value, label, lim)

  const items = Array.isArray(value) ? value : [value]
  const max = a.unbounded ? Infinity : lim.maxItems
  if (items.length > max) throw invalidValue(`"${label}" has ${items.length} values; at most ${max} are allowed`)
  const out = items.map((v, i) => (v === null ? undefined : single(a, v, `${label}[${i}]`, lim))).filter((v) => v !== undefined)
  const primaries = out.filter((v) => isObject(v) && v.primary === true).length
  if (primaries > 1) throw invalidValue(`"${label}" has ${primaries} values marked primary; at most one may be (RFC 7643 §2.4)`)
  return out
}

function single(a: Attribute, value: unknown, label: string, lim: Required<ValidateLimits>): unknown {
  if (a.type !== 'complex') return simple(a, value, label, lim)
  // `"manager": "123"` and `"emails": ["a@x"]` mean the value sub-attribute.
  const sub = findAttribute(a.subAttributes, 'value')
  const obj = !isObject(value) && sub && !Array.isArray(value) ? { value } : value
  if (!isObject(obj)) throw wrongType(label, 'complex (an object)', value)
  // Keys in any case; the last spelling wins, the result follows the schema's order.
  const given = new Map(Object.entries(obj).map(([k, v]) => [k.toLowerCase(), v]))
  const out: ScimObject = {}
  for (const s of a.subAttributes ?? []) {
    const c = coerce(s, given.get(s.name.toLowerCase()), `${label}.${s.name}`, lim)
    if (c !== undefined) out[s.name] = c
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function simple(a: Attribute, value: unknown, label: string, lim: Required<ValidateLimits>): unknown {
  switch (a.type) {
    case 'boolean':
      {
        const b = asBoolean(value)
        if (b !== undefined) return b
      }
      throw wrongType(label, 'boolean', value)
    case 'integer':
    case 'decimal': {
      const n = typeof value === 'string' && NUMBER.test(value.trim()) ? Number(value) : value
      if (typeof n !== 'number' || !Number.isFinite(n)) throw wrongType(label, a.type, value)
      if (a.type === 'integer' && !Number.isInteger(n)) throw wrongType(label, 'integer', value)
      return n
    }
    case 'dateTime':
      if (typeof value === 'string' && isDateTime(value)) return value
      throw wrongType(label, 'dateTime (e.g. "2024-01-31T12:00:00Z")', value)
    case 'binary': {
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(value)) throw wrongType(label, 'binary (base64)', value)
      return text(value, label, lim.maxBinaryLength)
    }
    default: {
      // string and reference; a number (an employeeNumber sent as 42) is taken as its text.
      if (typeof value === 'number' && Number.isFinite(value)) return String(value)
      if (typeof value !== 'string') throw wrongType(label, a.type, value)
      return text(value, label, lim.maxStringLength)
    }
  }
}

function text(value: string, label: string, max: number): string {
  // Postgres text cannot hold NUL, and no identity attribute needs one.
  if (value.includes('\0')) throw invalidValue(`"${label}" contains a NUL character`)
  if (value.length > max) throw invalidValue(`"${label}" is ${value.length} characters long; at most ${max} are allowed`)
  return value
}

function wrongType(label: string, expected: string, value: unknown): ScimError {
  const got = value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : JSON.stringify(value).slice(0, 60)
  return invalidValue(`"${label}" must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}, got ${got}`)
}

const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/

/** The one boolean coercion: Entra sends "False", OneLogin "true" (any case, trimmed). */
export function asBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v
  if (typeof v === 'string' && /^(true|false)$/i.test(v.trim())) return v.trim().toLowerCase() === 'true'
  return undefined
}

/** An xsd:dateTime-like string (RFC 7643 §2.3.5) with a real calendar date. */
export function isDateTime(s: string): boolean {
  if (!DATE_TIME.test(s)) return false
  const [y, m, d] = s.slice(0, 10).split('-').map(Number)
  return isCalendarDate(y!, m!, d!) && !Number.isNaN(Date.parse(s.replace(' ', 'T')))
}
