// In-memory filter evaluation against one JSON object: a resource, or one element
// of a multi-valued attribute (PATCH value paths such as `emails[type eq "work"]`).
// Mirrors to-sql.ts so a filter selects the same things in a list and in a PATCH:
// attribute names are case-insensitive, strings compare lower-cased unless the
// attribute is caseExact, an absent value is "not equal" to anything, and a
// complex attribute compared without a sub-attribute means its `value`.
import { invalidFilter } from '../errors'
import { findAttribute, isExtension, resolveAttribute } from '../../schema'
import { asBoolean } from '../validate'
import { operand, type Operand } from './operand'
import type { Attribute, ResourceType } from '../../schema/types'
import { terms, type CompareOp, type Filter, type Value } from './ast'
import type { AttrPath } from '../../schema/path'

export interface LookedUp {
  attribute: Attribute
  subAttribute?: Attribute
  /** The URN key the attribute lives under (extension attributes), else undefined. */
  extension?: string
}

/** Resolves a path relative to the object being matched; undefined when it names nothing. */
export type AttrLookup = (path: AttrPath) => LookedUp | undefined

/** Paths relative to a whole resource of `rt` (core attributes and extension URNs). */
export function resourceLookup(rt: ResourceType): AttrLookup {
  return (path) => {
    const r = resolveAttribute(rt, path)
    if (!r) return undefined
    const extension = isExtension(rt, r.schema) ? r.schema.id : undefined
    return { attribute: r.attribute, subAttribute: r.subAttribute, extension }
  }
}

/** Paths relative to one element of the complex attribute `parent` (inside `parent[...]`). */
export function elementLookup(parent: Attribute): AttrLookup {
  return (path) => {
    if (path.uri !== undefined || path.sub !== undefined) return undefined
    const attribute = findAttribute(parent.subAttributes, path.attr)
    return attribute && { attribute }
  }
}

/** Whether `element` satisfies `filter`. Throws invalidFilter for unknown attributes and unsupported comparisons. */
export function matches(filter: Filter, element: Record<string, unknown>, attrLookup: AttrLookup): boolean {
  switch (filter.op) {
    case 'and':
      // Chains are left-deep trees; walk them as lists so long `or` chains do not recurse deeply.
      return terms(filter, 'and').every((f) => matches(f, element, attrLookup))
    case 'or':
      return terms(filter, 'or').some((f) => matches(f, element, attrLookup))
    case 'not':
      return !matches(filter.filter, element, attrLookup)
    case 'valuePath': {
      const r = complexTarget(filter.path, attrLookup)
      const inner = elementLookup(r.attribute)
      return slots(element, r).some((e) => isRecord(e) && matches(filter.filter, e, inner))
    }
    default:
      return leaf(filter.path, filter.op, filter.op === 'pr' ? undefined : filter.value, element, attrLookup)
  }
}

/**
 * Validates a filter without data: the same errors `matches` would raise on some
 * element. Lets callers reject a bad filter even when there is nothing to match.
 */
export function checkFilter(filter: Filter, attrLookup: AttrLookup): void {
  switch (filter.op) {
    case 'and':
    case 'or':
      return terms(filter, filter.op).forEach((f) => checkFilter(f, attrLookup))
    case 'not':
      return checkFilter(filter.filter, attrLookup)
    case 'valuePath':
      return checkFilter(filter.filter, elementLookup(complexTarget(filter.path, attrLookup).attribute))
    default: {
      const r = lookup(filter.path, attrLookup)
      if (filter.op === 'pr') return
      const { target, label } = comparedAttribute(r, filter.path)
      if (filter.value === null) nullComparison(filter.op, label)
      else operand(target, label, filter.op, filter.value)
    }
  }
}


function leaf(
  path: AttrPath,
  op: CompareOp | 'pr',
  value: Value | undefined,
  element: Record<string, unknown>,
  attrLookup: AttrLookup,
): boolean {
  const r = lookup(path, attrLookup)
  const values = slots(element, r)
  if (op === 'pr' || value === undefined) return values.some(present)
  const { target, label, viaValue } = comparedAttribute(r, path)
  const actual = viaValue ? values.map((e) => (isRecord(e) ? getAttribute(e, 'value') : undefined)) : values
  if (value === null) {
    // `eq null` / `ne null`: absence and presence (RFC 7643 §2.5: null is unassigned).
    return nullComparison(op, label) === 'absent' ? !actual.some(present) : actual.some(present)
  }
  const expected = operand(target, label, op, value)
  // An absent value, or an attribute with no elements, is "not equal" to anything.
  if (op === 'ne') return actual.length === 0 || actual.some((v) => !present(v) || !compare(target, 'eq', v, expected))
  return actual.some((v) => present(v) && compare(target, op, v, expected))
}

/**
 * The values a path points at, one slot per candidate: a singular attribute gives
 * one slot (undefined when absent), a multi-valued one a slot per element, so that
 * an element lacking the sub-attribute still counts for `ne`.
 */
function slots(element: Record<string, unknown>, r: LookedUp): unknown[] {
  const container = r.extension === undefined ? element : getAttribute(element, r.extension)
  const top = isRecord(container) ? getAttribute(container, r.attribute.name) : undefined
  const items = r.attribute.multiValued ? (Array.isArray(top) ? top : top == null ? [] : [top]) : [top]
  if (!r.subAttribute) return items
  const sub = r.subAttribute.name
  return items.map((i) => (isRecord(i) ? getAttribute(i, sub) : undefined))
}

function lookup(path: AttrPath, attrLookup: AttrLookup): LookedUp {
  const r = attrLookup(path)
  if (!r) throw invalidFilter(`unknown attribute "${show(path)}"`)
  return r
}

function complexTarget(path: AttrPath, attrLookup: AttrLookup): LookedUp {
  const r = lookup(path, attrLookup)
  if (r.subAttribute || r.attribute.type !== 'complex') {
    throw invalidFilter(`"${show(path)}" is not a complex attribute, so it cannot take a value filter "[...]"`)
  }
  return r
}

/** The attribute a comparison applies to: `emails co "x"` compares the emails' value (RFC 7644 §3.4.2.2). */
function comparedAttribute(r: LookedUp, path: AttrPath): { target: Attribute; label: string; viaValue: boolean } {
  const label = show(path)
  const target = r.subAttribute ?? r.attribute
  if (target.type !== 'complex') return { target, label, viaValue: false }
  const value = findAttribute(target.subAttributes, 'value')
  if (!value) throw invalidFilter(`"${label}" is complex and has no value; filter on one of its sub-attributes`)
  return { target: value, label: `${label}.value`, viaValue: true }
}

function nullComparison(op: CompareOp, label: string): 'absent' | 'present' {
  if (op === 'eq') return 'absent'
  if (op === 'ne') return 'present'
  throw invalidFilter(`"${op}" cannot compare "${label}" with null; only eq and ne can`)
}

/** One stored value against a checked operand. Values of the wrong shape never match. */
function compare(a: Attribute, op: CompareOp, actual: unknown, expected: Operand): boolean {
  switch (a.type) {
    case 'boolean':
      return asBoolean(actual) === expected
    case 'dateTime': {
      const l = typeof actual === 'string' ? Date.parse(actual.replace(' ', 'T')) : Number.NaN
      return !Number.isNaN(l) && relation(op, l, Date.parse((expected as string).replace(' ', 'T')))
    }
    case 'integer':
    case 'decimal': {
      const l = typeof actual === 'number' ? actual : typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : Number.NaN
      return !Number.isNaN(l) && relation(op, l, expected as number)
    }
    default: {
      if (typeof actual !== 'string' && typeof actual !== 'number') return false
      const fold = (s: string) => (a.caseExact ? s : s.toLowerCase())
      const l = fold(String(actual))
      const r = fold(expected as string)
      if (op === 'co') return l.includes(r)
      if (op === 'sw') return l.startsWith(r)
      if (op === 'ew') return l.endsWith(r)
      return relation(op, l, r)
    }
  }
}

function relation<T extends string | number>(op: CompareOp, l: T, r: T): boolean {
  switch (op) {
    case 'eq':
      return l === r
    case 'ne':
      return l !== r
    case 'gt':
      return l > r
    case 'ge':
      return l >= r
    case 'lt':
      return l < r
    case 'le':
      return l <= r
    default:
      return false
  }
}

/** `pr`: a value that is not null, not "", and for arrays and objects, not empty. */
function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false
  if (Array.isArray(v)) return v.some(present)
  if (isRecord(v)) return Object.values(v).some(present)
  return true
}



/** A key of `obj`, case-insensitively (RFC 7643 §2.1: attribute names are case-insensitive). */
export function getAttribute(obj: Record<string, unknown>, name: string): unknown {
  if (name in obj) return obj[name]
  const lower = name.toLowerCase()
  for (const k of Object.keys(obj)) if (k.toLowerCase() === lower) return obj[k]
  return undefined
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function show(p: AttrPath): string {
  return `${p.uri ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`
}
