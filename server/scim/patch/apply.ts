// One PATCH operation applied to a working copy of the resource (RFC 7644
// §3.5.2.1-3), with the shapes real clients send. The working copy is the
// engine's own clone, so it is edited in place.
import { invalidValue, mutability, noTarget } from '../errors'
import type { Filter } from '../filter/ast'
import { elementLookup, getAttribute, isRecord, matches } from '../filter/eval'
import { terms } from '../filter/ast'
import { findAttribute, resolveAttribute, schemaById, schemasOf } from '../../schema'
import type { Attribute, ResourceType } from '../../schema/types'
import { type MemberOpList, memberOp } from './members'
import type { OpName, Operation } from './request'
import { type AttributeTarget, type SchemaTarget, readOnlyPart, resolveTarget, schemaTarget } from './target'
import { type Json, ValueSet, asList, canonical, isTrue, isUnassigned, keyOf, put, sameValue } from './values'

export interface PatchState {
  rt: ResourceType
  resource: Json
  /** Groups only: membership changes, which are not applied to `resource`. */
  memberOps?: MemberOpList
}

export function applyOperation(state: PatchState, { op, path, value }: Operation): void {
  if (path === undefined) {
    if (op === 'remove') throw noTarget('"remove" needs a "path" naming what to remove (RFC 7644 §3.5.2.2)')
    return applySchema(state, op, schemaTarget(state.rt, schemasOf(state.rt)[0]!), value)
  }
  const target = resolveTarget(state.rt, path)
  if (target.kind === 'schema') return applySchema(state, op, target, value)
  const readOnly = readOnlyPart(target)
  if (readOnly) throw mutability(`"${readOnly}" is readOnly and cannot be changed`)
  applyAttribute(state, op, target, value)
}

/**
 * Path-less add/replace, or an extension URN as the path: `value` is an object whose
 * keys are attribute paths (nested, dotted, URN-qualified, any case). As in a POST or
 * PUT body (validateResource), readOnly keys (Okta echoes `id`) and keys naming no
 * attribute are skipped rather than refused; an explicit `path` is strict instead.
 */
function applySchema(state: PatchState, op: OpName, target: SchemaTarget, value: unknown): void {
  if (op === 'remove') {
    // Only an extension can be removed whole; none of ours has a required attribute.
    if (!target.extension) throw noTarget('"remove" needs a "path" naming an attribute')
    return put(state.resource, target.extension, undefined)
  }
  if (value === null && target.extension) {
    if (op === 'replace') put(state.resource, target.extension, undefined)
    return
  }
  if (!isRecord(value)) {
    throw invalidValue(`"${op}" without an attribute path needs an object of attributes as its "value", not ${JSON.stringify(value)}`)
  }
  for (const [key, v] of Object.entries(value)) {
    // The server keeps `schemas` in step with the extensions present.
    if (key.toLowerCase() === 'schemas' && !target.extension) continue
    if (!namesSomething(state.rt, key, target)) continue
    const t = resolveTarget(state.rt, key, target)
    if (t.kind === 'schema') applySchema(state, op, t, v)
    else if (!readOnlyPart(t)) applyAttribute(state, op, t, v)
  }
}

/** Whether a key of a path-less value names a schema or attribute of `rt` (within `scope`). */
function namesSomething(rt: ResourceType, key: string, scope: SchemaTarget): boolean {
  const schema = schemaById(key)
  if (schema) return schemasOf(rt).includes(schema)
  return resolveAttribute(rt, scope.extension && !/^urn:/i.test(key) ? `${scope.extension}:${key}` : key) !== undefined
}

function applyAttribute(state: PatchState, op: OpName, t: AttributeTarget, value: unknown): void {
  if (state.memberOps && t.attribute.name === 'members') return state.memberOps.push(memberOp(op, t, value))
  const container = containerOf(state.resource, t.extension, op !== 'remove')
  if (!container) return
  const name = t.attribute.name
  const watch = watchesImmutability(t.attribute)
  const before = watch ? structuredClone(container[name]) : undefined
  // RFC 7643 §2.5: null and [] mean "unassigned", so replacing with them clears.
  const clears = value === null || (Array.isArray(value) && value.length === 0)
  if (op === 'remove') remove(container, t, value)
  else if (!clears) set(container, op, t, value)
  else if (op === 'replace') remove(container, t, undefined)
  if (watch) checkImmutable(t.attribute, before, container[name])
}

/** The object holding the target's attribute: the resource, or its extension object. */
function containerOf(resource: Json, extension: string | undefined, create: boolean): Json | undefined {
  if (extension === undefined) return resource
  const key = keyOf(resource, extension)
  const existing = key === undefined ? undefined : resource[key]
  if (isRecord(existing)) return existing
  if (!create) return undefined
  const made: Json = {}
  if (key !== undefined) delete resource[key]
  resource[extension] = made
  return made
}

function remove(container: Json, t: AttributeTarget, value: unknown): void {
  const a = t.attribute
  const current = container[a.name]
  if (!t.filter && !t.sub) {
    // Entra removes members (or any values) by listing them: remove those, not all.
    if (a.multiValued && value !== undefined && value !== null) return put(container, a.name, withoutItems(a, current, value))
    if (a.required) throw mutability(`"${t.name}" is required and cannot be removed`)
    return put(container, a.name, undefined)
  }
  if (!a.multiValued) {
    if (isRecord(current)) put(current, t.sub!.name, undefined)
    return put(container, a.name, current)
  }
  // A filter with no match leaves nothing to remove: the state asked for already holds.
  const elements = asList(current)
  const selected = select(a, elements, t.filter)
  if (t.sub) selected.forEach((e) => put(e, t.sub!.name, undefined))
  const drop = new Set<unknown>(selected)
  put(container, a.name, t.sub ? elements : elements.filter((e) => !drop.has(e)))
}

function set(container: Json, op: 'add' | 'replace', t: AttributeTarget, value: unknown): void {
  const a = t.attribute
  const current = container[a.name]
  if (a.type !== 'complex') return put(container, a.name, value)
  if (!a.multiValued) {
    const obj = isRecord(current) ? current : {}
    if (t.sub) put(obj, t.sub.name, value)
    // Sub-attributes not given are kept, for add and replace alike (RFC 7644 §3.5.2.3).
    else merge(obj, complexValue(a, value, t))
    return put(container, a.name, obj)
  }

  let elements = asList(current)
  let touched: Json[]
  if (!t.filter && !t.sub) {
    // add appends, replace starts over; either way identical values are kept once.
    elements = op === 'replace' ? [] : [...elements]
    const present = new ValueSet(elements)
    touched = []
    for (const item of asList(value).map((v) => canonical(a, v))) {
      if (!present.add(item)) continue
      elements.push(item)
      if (isRecord(item)) touched.push(item)
    }
  } else {
    // `emails.value` without a filter addresses every element.
    const selected = select(a, elements, t.filter)
    if (selected.length === 0) {
      if (op === 'replace' && t.filter && !t.sub) throw noTarget(`"${t.label}": no element of "${t.name}" matches the filter`)
      // Entra sets `emails[type eq "work"].value` on users that have no work email yet.
      touched = [newElement(a, t, value)]
      elements = [...elements, ...touched]
    } else if (t.sub) {
      selected.forEach((e) => put(e, t.sub!.name, value))
      touched = selected
    } else if (op === 'add') {
      const v = complexValue(a, value, t)
      selected.forEach((e) => merge(e, v))
      touched = selected
    } else {
      // RFC 7644 §3.5.2.3: replacing `addresses[type eq "work"]` replaces the whole element.
      const v = complexValue(a, value, t)
      const replacements = new Map(selected.map((e) => [e, structuredClone(v)]))
      touched = [...replacements.values()]
      elements = elements.map((e) => replacements.get(e as Json) ?? e)
    }
  }
  onePrimary(a, elements, touched)
  put(container, a.name, elements)
}

function select(a: Attribute, elements: unknown[], filter: Filter | undefined): Json[] {
  const lookup = elementLookup(a)
  return elements.filter((e): e is Json => isRecord(e) && (!filter || matches(filter, e, lookup)))
}

/** Elements of `current` that none of the listed items (`[{"value": "x"}]`) describes. */
function withoutItems(a: Attribute, current: unknown, value: unknown): unknown[] {
  const items = asList(value).map((v) => canonical(a, v))
  const lookup = elementLookup(a)
  const filters = items.map((item) => (isRecord(item) ? itemFilter(a, item) : undefined))
  return asList(current).filter(
    (e) => !items.some((item, i) => {
      const f = filters[i]
      return f && isRecord(e) ? matches(f, e, lookup) : sameValue(e, item)
    }),
  )
}

/** `{"value": "x", "type": "work"}` -> `value eq "x" and type eq "work"`, so caseExact applies. */
function itemFilter(a: Attribute, item: Json): Filter | undefined {
  const clauses: Filter[] = Object.entries(item).map(([k, v]) => {
    if (!findAttribute(a.subAttributes, k)) throw invalidValue(`"${k}" is not a sub-attribute of "${a.name}"`)
    if (v !== null && typeof v === 'object') throw invalidValue(`"${a.name}.${k}" must be a single value, not ${JSON.stringify(v)}`)
    return { op: 'eq', path: { attr: k }, value: v as string | number | boolean | null }
  })
  return clauses.reduce<Filter | undefined>((left, right) => (left ? { op: 'and', left, right } : right), undefined)
}

/** The element an unmatched `attr[a eq "x" and b eq "y"].sub` describes: `{a: "x", b: "y", sub: value}`. */
function newElement(a: Attribute, t: AttributeTarget, value: unknown): Json {
  const base = t.filter ? eqClauses(a, t.filter) : {}
  if (!base) {
    throw noTarget(`"${t.label}": no element of "${t.name}" matches, and only a filter of "eq" comparisons joined by "and" says what to create`)
  }
  if (t.sub) return { ...base, [t.sub.name]: value }
  return { ...base, ...complexValue(a, value, t) }
}

function eqClauses(a: Attribute, filter: Filter): Json | undefined {
  const out: Json = {}
  for (const f of terms(filter, 'and')) {
    if (f.op !== 'eq' || f.value === null) return undefined
    const name = findAttribute(a.subAttributes, f.path.attr)!.name
    if (name in out && !sameValue(out[name], f.value)) return undefined
    out[name] = f.value
  }
  return out
}

function complexValue(a: Attribute, value: unknown, t: AttributeTarget): Json {
  const v = canonical(a, value)
  if (!isRecord(v)) throw invalidValue(`"${t.label}" is complex: its value must be an object of sub-attributes, not ${JSON.stringify(value)}`)
  return v
}

function merge(into: Json, from: Json): void {
  for (const [k, v] of Object.entries(from)) put(into, k, v)
}

/**
 * RFC 7644 §3.5.2: setting `primary` true on a value makes the server set it false
 * on the others. The last element this operation touched wins.
 */
function onePrimary(a: Attribute, elements: unknown[], touched: Json[]): void {
  if (!findAttribute(a.subAttributes, 'primary')) return
  const winner = touched.findLast((e) => isTrue(getAttribute(e, 'primary')))
  if (!winner) return
  for (const e of elements) if (e !== winner && isRecord(e) && isTrue(getAttribute(e, 'primary'))) put(e, 'primary', false)
}

function watchesImmutability(a: Attribute): boolean {
  return a.mutability === 'immutable' || (!a.multiValued && (a.subAttributes ?? []).some((s) => s.mutability === 'immutable'))
}

/**
 * RFC 7643 §2.2: an immutable attribute may be set while it has no value, never
 * changed after. For complex singular attributes, the same per sub-attribute.
 */
export function checkImmutable(a: Attribute, before: unknown, after: unknown): void {
  const refuse = (name: string) => mutability(`"${name}" is immutable: it can be set only while it has no value`)
  if (a.mutability === 'immutable' && !isUnassigned(before) && !sameValue(before, after)) throw refuse(a.name)
  if (a.multiValued) return
  for (const s of a.subAttributes ?? []) {
    if (s.mutability !== 'immutable') continue
    const b = isRecord(before) ? before[s.name] : undefined
    const n = isRecord(after) ? after[s.name] : undefined
    if (!isUnassigned(b) && !sameValue(b, n)) throw refuse(`${a.name}.${s.name}`)
  }
}
