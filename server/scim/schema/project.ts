// attributes= / excludedAttributes= (RFC 7644 §3.4.2.5, §3.9) applied to a canonical
// resource (as returned by the store). `returned: always` attributes and `schemas`
// always stay, `never` never appears, `request` only when named; names are matched
// case-insensitively, may be URN-qualified or dotted; unknown names are ignored.
import { isExtension, resolveAttribute, schemaById, schemasOf, typeMemo } from './index'
import type { Attribute, ResourceType, Schema } from './types'
import { isObject, type ScimObject } from './validate'

export interface Projection {
  /** The raw query parameter (comma-separated) or the names already split. */
  attributes?: string | string[]
  excludedAttributes?: string | string[]
}

/** Per attribute: the whole of it, or only some sub-attributes. */
type Selection = Map<Attribute, 'all' | Set<Attribute>>

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
  const parts = Array.isArray(param) ? param.flatMap((x) => x.split(',')) : (param ?? '').split(',')
  return parts.map((x) => x.trim()).filter((x) => x !== '')
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
    excluded: select(rt, excluded),
    decisions: new Map(),
    ...(only.length > 0 ? { only: select(rt, only) } : {}),
  }))
}

function select(rt: ResourceType, names: string[]): Selection {
  const sel: Selection = new Map()
  for (const name of names) {
    // A schema URN alone names all of that schema's attributes.
    const schema = schemaById(name)
    if (schema && schemasOf(rt).includes(schema)) {
      for (const a of schema.attributes) sel.set(a, 'all')
      continue
    }
    const r = resolveAttribute(rt, name)
    if (!r) continue
    const current = sel.get(r.attribute)
    if (!r.subAttribute || current === 'all') sel.set(r.attribute, 'all')
    else sel.set(r.attribute, new Set([...(current ?? []), r.subAttribute]))
  }
  return sel
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
  const asked = plan.only?.get(a)
  if (plan.only ? asked === undefined : a.returned === 'request') return undefined
  const excluded = plan.excluded.get(a)
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
    const items = value.map(keep).filter((x) => !isObject(x) || Object.keys(x).length > 0)
    return items.length > 0 ? items : undefined
  }
  const v = keep(value)
  return isObject(v) && Object.keys(v).length === 0 ? undefined : v
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
