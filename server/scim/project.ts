// attributes= / excludedAttributes= (RFC 7644 §3.4.2.5, §3.9) applied to a canonical
// resource (as returned by the store). `returned: always` attributes and `schemas`
// always stay, `never` never appears, `request` only when named; names are matched
// case-insensitively, may be URN-qualified or dotted, and may select values of a
// multi-valued attribute as Microsoft's validator sends them (`emails[type eq "work"]`,
// `emails[type eq "work"].value`): `attributes=` keeps only the matching values,
// `excludedAttributes=` drops them. Names that name nothing are ignored.
import type { Filter } from './filter/ast'
import { checkFilter, elementLookup, matches, type AttrLookup } from './filter/eval'
import { parsePath } from './filter/parse'
import { findAttribute, isExtension, resolveAttribute, schemaById, schemasOf, typeMemo } from '../schema'
import type { Attribute, ResourceType, Schema } from '../schema/types'
import { isObject, type ScimObject } from '../schema/types'

export interface Projection {
  /** The raw query parameter (comma-separated) or the names already split. */
  attributes?: string | string[]
  excludedAttributes?: string | string[]
}

/**
 * Per attribute: the whole of it, or only some sub-attributes; and which of its values
 * `attr[filter]` names (null: it was also named without a filter, so every value).
 */
interface Selection {
  picks: Map<Attribute, 'all' | Set<Attribute>>
  values: Map<Attribute, Filter[] | null>
}

interface Plan {
  only?: Selection
  excluded: Selection
  /** decide()'s answer per attribute, filled as it is asked. */
  decisions: Map<Attribute, 'all' | ReadonlySet<Attribute> | undefined>
}

const URN = /^urn:/i

export function project(rt: ResourceType, resource: ScimObject, p: Projection): ScimObject {
  const plan = compile(rt, p)
  const core = schemasOf(rt)[0]!
  const out: ScimObject = {}
  const dropped = new Set<string>()
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'schemas') {
      out[key] = value
      continue
    }
    // Only a URN can name an extension; plain keys skip the schema lookup.
    const ext = URN.test(key) ? schemaById(key) : undefined
    if (ext && isExtension(rt, ext) && isObject(value)) {
      const inner = projectSchema(ext, value, plan)
      if (Object.keys(inner).length > 0) out[ext.id] = inner
      else dropped.add(ext.id)
      continue
    }
    const a = attributeNamed(core, key)
    if (!a) {
      // Not a schema attribute: keep it unless the client asked for specific ones.
      if (!plan.only) out[key] = value
      continue
    }
    const v = projectAttribute(a, value, plan)
    if (v !== undefined) out[key] = v
  }
  // `schemas` lists only the extensions still present (RFC 7643 §3).
  if (Array.isArray(out.schemas) && dropped.size > 0) out.schemas = out.schemas.filter((s) => !dropped.has(s))
  return out
}

/**
 * Whether a projection can include the attribute at all, so the store can skip
 * loading costly ones (e.g. Group `members` under `excludedAttributes=members`).
 */
export function isAttributeWanted(rt: ResourceType, p: Projection, path: string): boolean {
  const r = resolveAttribute(rt, path)
  return r !== undefined && decide(r.attribute, compile(rt, p)) !== undefined
}

/** `attributes=userName, name.givenName` -> ['userName', 'name.givenName']. */
export function splitAttributeList(param: string | string[] | undefined): string[] {
  const parts = Array.isArray(param) ? param.flatMap(splitTopLevel) : splitTopLevel(param ?? '')
  return parts.map((x) => x.trim()).filter((x) => x !== '')
}

/** Splits at commas outside `[...]` and quoted strings (a value filter may hold commas). */
function splitTopLevel(text: string): string[] {
  const out: string[] = []
  let depth = 0
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '\\') i++
      else if (c === '"') quoted = false
    } else if (c === '"') quoted = true
    else if (c === '[') depth++
    else if (c === ']') depth = Math.max(0, depth - 1)
    else if (c === ',' && depth === 0) {
      out.push(text.slice(start, i))
      start = i + 1
    }
  }
  out.push(text.slice(start))
  return out
}

const byName = new WeakMap<Schema, Map<string, Attribute>>()

/** A schema's attribute by its exact (canonical) name, as stored resources spell it. */
function attributeNamed(schema: Schema, name: string): Attribute | undefined {
  let names = byName.get(schema)
  if (!names) byName.set(schema, (names = new Map(schema.attributes.map((a) => [a.name, a]))))
  return names.get(name)
}

// Plans are immutable once built (but for their decisions memo), and a client sends the
// same few projections (most often none) on every request.
const plans = typeMemo<Plan>(256)

function compile(rt: ResourceType, p: Projection): Plan {
  const only = splitAttributeList(p.attributes)
  const excluded = splitAttributeList(p.excludedAttributes)
  return plans(rt, `${only.join(',')}\u0000${excluded.join(',')}`, () => ({
    excluded: select(rt, excluded, true),
    decisions: new Map(),
    ...(only.length > 0 ? { only: select(rt, only) } : {}),
  }))
}

function select(rt: ResourceType, names: string[], filtersExclude = false): Selection {
  const sel: Selection = { picks: new Map(), values: new Map() }
  for (const name of names) {
    // A schema URN alone names all of that schema's attributes.
    const schema = schemaById(name)
    if (schema && schemasOf(rt).includes(schema)) {
      for (const a of schema.attributes) sel.picks.set(a, 'all')
      continue
    }
    const r = resolveName(rt, name)
    if (!r) continue
    const { attribute, subAttribute, filter } = r
    if (filter) {
      const seen = sel.values.get(attribute)
      if (seen !== null) sel.values.set(attribute, [...(seen ?? []), filter])
      // Excluding some values is not excluding the attribute.
      if (filtersExclude) continue
    } else sel.values.set(attribute, null)
    const current = sel.picks.get(attribute)
    if (!subAttribute || current === 'all') sel.picks.set(attribute, 'all')
    else sel.picks.set(attribute, new Set([...(current ?? []), subAttribute]))
  }
  return sel
}

/** `name`, `name.sub`, `urn:...:name`, or `name[filter]` / `name[filter].sub` on a multi-valued complex attribute. */
function resolveName(rt: ResourceType, name: string): { attribute: Attribute; subAttribute?: Attribute; filter?: Filter } | undefined {
  if (!name.includes('[')) return resolveAttribute(rt, name)
  try {
    const parsed = parsePath(name)
    const r = resolveAttribute(rt, parsed.path)
    if (!r || !parsed.filter || r.subAttribute || !r.attribute.multiValued || r.attribute.type !== 'complex') return undefined
    checkFilter(parsed.filter, elementLookup(r.attribute))
    const subAttribute = parsed.sub === undefined ? undefined : findAttribute(r.attribute.subAttributes, parsed.sub)
    if (parsed.sub !== undefined && !subAttribute) return undefined
    return { attribute: r.attribute, filter: parsed.filter, ...(subAttribute ? { subAttribute } : {}) }
  } catch {
    return undefined // a malformed filter names nothing
  }
}

function projectSchema(schema: Schema, obj: ScimObject, plan: Plan): ScimObject {
  const out: ScimObject = {}
  for (const a of schema.attributes) {
    if (!(a.name in obj)) continue
    const v = projectAttribute(a, obj[a.name], plan)
    if (v !== undefined) out[a.name] = v
  }
  return out
}

/** What of the attribute is returned: all of it, some sub-attributes, or nothing. */
function decide(a: Attribute, plan: Plan): 'all' | ReadonlySet<Attribute> | undefined {
  if (plan.decisions.has(a)) return plan.decisions.get(a)
  const what = decideOnce(a, plan)
  plan.decisions.set(a, what)
  return what
}

function decideOnce(a: Attribute, plan: Plan): 'all' | ReadonlySet<Attribute> | undefined {
  if (a.returned === 'never') return undefined
  if (a.returned === 'always') return 'all'
  const asked = plan.only?.picks.get(a)
  if (plan.only ? asked === undefined : a.returned === 'request') return undefined
  const excluded = plan.excluded.picks.get(a)
  if (excluded === 'all') return undefined
  const subs = new Set(asked instanceof Set ? asked : (a.subAttributes ?? []).filter((s) => s.returned !== 'request'))
  if (excluded) for (const s of excluded) subs.delete(s)
  return asked === 'all' && !excluded ? 'all' : subs
}

function projectAttribute(a: Attribute, value: unknown, plan: Plan): unknown {
  const what = decide(a, plan)
  if (what === undefined) return undefined
  if (a.type !== 'complex') return value
  const keep = (obj: unknown) => (isObject(obj) ? pick(a, obj, what) : obj)
  if (Array.isArray(value)) {
    const items = selectedValues(a, value, plan).map(keep).filter((x) => !isObject(x) || Object.keys(x).length > 0)
    return items.length > 0 ? items : undefined
  }
  const v = keep(value)
  return isObject(v) && Object.keys(v).length === 0 ? undefined : v
}

// Per attribute, built once: a list of 1,000 resources would otherwise build 1,000.
const lookups = new WeakMap<Attribute, AttrLookup>()

/** The values `attr[filter]` names: those an `attributes=` filter matches, less those an `excludedAttributes=` one does. */
function selectedValues(a: Attribute, values: unknown[], plan: Plan): unknown[] {
  const wanted = plan.only?.values.get(a)
  const unwanted = plan.excluded.values.get(a)
  if (!wanted && !unwanted) return values
  let lookup = lookups.get(a)
  if (!lookup) lookups.set(a, (lookup = elementLookup(a)))
  const hit = (filters: Filter[], v: unknown) => isObject(v) && filters.some((f) => matches(f, v, lookup))
  return values.filter((v) => (!wanted || hit(wanted, v)) && !(unwanted && hit(unwanted, v)))
}

/** Keeps the chosen sub-attributes, plus `always` ones, minus `never` and unrequested `request` ones. */
function pick(a: Attribute, obj: ScimObject, what: 'all' | ReadonlySet<Attribute>): ScimObject {
  const out: ScimObject = {}
  for (const s of a.subAttributes ?? []) {
    if (!(s.name in obj) || s.returned === 'never') continue
    const chosen = what === 'all' ? s.returned !== 'request' : what.has(s)
    if (chosen || s.returned === 'always') out[s.name] = obj[s.name]
  }
  return out
}
