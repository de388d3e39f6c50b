// The schema registry: schemas by id, the two resource types, and attribute-path
// resolution shared by filters, sorting, projection, validation and PATCH.
import { ENTERPRISE_SCHEMA, enterpriseSchema } from './enterprise'
import { GROUP_SCHEMA, groupSchema } from './group'
import { type AttrPath, attrPathOf } from './path'
import type { Attribute, ResourceType, Schema } from './types'
import { USER_SCHEMA, userSchema } from './user'

export { ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA }

export const SCHEMAS: readonly Schema[] = [userSchema, enterpriseSchema, groupSchema]

export const USER: ResourceType = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_SCHEMA, required: false }],
  table: 'users',
}

export const GROUP: ResourceType = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: [],
  table: 'groups',
}

export const RESOURCE_TYPES: readonly ResourceType[] = [USER, GROUP]

const byId = new Map(SCHEMAS.map((s) => [s.id.toLowerCase(), s]))

/** A schema by its URN, case-insensitively. */
export function schemaById(id: string): Schema | undefined {
  return byId.get(id.toLowerCase())
}

export function resourceTypeById(id: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.id.toLowerCase() === id.toLowerCase())
}

const schemasByType = new WeakMap<ResourceType, readonly Schema[]>()

/** The core schema first, then the extensions, as declared by the resource type. Computed once per type; frozen. */
export function schemasOf(rt: ResourceType): readonly Schema[] {
  let list = schemasByType.get(rt)
  if (!list) {
    list = Object.freeze([rt.schema, ...rt.schemaExtensions.map((e) => e.schema)].map((id) => schemaById(id)!))
    schemasByType.set(rt, list)
  }
  return list
}

export function isExtension(rt: ResourceType, schema: Schema): boolean {
  return schema.id !== rt.schema
}

export function findAttribute(attributes: readonly Attribute[] | undefined, name: string): Attribute | undefined {
  const lower = name.toLowerCase()
  return attributes?.find((a) => a.name.toLowerCase() === lower)
}

/** Compared case-insensitively (RFC 7643 §2.2 caseExact false): filters and sorting fold it with lower(). */
export function foldsCase(a: Attribute): boolean {
  return (a.type === 'string' || a.type === 'reference') && !a.caseExact
}

export interface ResolvedAttribute {
  schema: Schema
  attribute: Attribute
  subAttribute?: Attribute
  /** Canonical spelling: `name.givenName`; extension attributes carry their URN (`urn:...:User:manager.value`). */
  path: string
}

/**
 * Resolves a path (string or parsed) case-insensitively. Unqualified names are looked
 * up in the core schema, then in the extensions. Returns undefined when the path is
 * malformed or names nothing; the caller picks the error (invalidFilter, invalidPath...).
 */
export function resolveAttribute(rt: ResourceType, path: string | AttrPath): ResolvedAttribute | undefined {
  if (typeof path !== 'string') return resolve(rt, path)
  // Every request resolves the same few names (projection, filters, sorting).
  return resolved(rt, path, () => {
    const r = resolve(rt, path)
    return r && Object.freeze(r)
  })
}

/**
 * A memo of per-resource-type answers keyed by a client's string (an attribute path, a
 * projection). Bounded, since clients choose the strings: past `max` keys, answers are
 * computed and not kept. Answers must be immutable.
 */
export function typeMemo<T>(max: number): (rt: ResourceType, key: string, make: () => T) => T {
  const byType = new WeakMap<ResourceType, Map<string, T>>()
  return (rt, key, make) => {
    let memo = byType.get(rt)
    if (!memo) byType.set(rt, (memo = new Map()))
    if (memo.has(key)) return memo.get(key)!
    const value = make()
    if (memo.size < max) memo.set(key, value)
    return value
  }
}

const resolved = typeMemo<ResolvedAttribute | undefined>(4096)

function resolve(rt: ResourceType, path: string | AttrPath): ResolvedAttribute | undefined {
  const p = typeof path === 'string' ? attrPathOf(path) : path
  if (!p) return undefined
  const candidates = p.uri === undefined ? schemasOf(rt) : schemasOf(rt).filter((s) => s.id.toLowerCase() === p.uri!.toLowerCase())
  for (const schema of candidates) {
    const attribute = findAttribute(schema.attributes, p.attr)
    if (!attribute) continue
    const prefix = isExtension(rt, schema) ? `${schema.id}:` : ''
    if (p.sub === undefined) return { schema, attribute, path: prefix + attribute.name }
    const subAttribute = findAttribute(attribute.subAttributes, p.sub)
    if (!subAttribute) return undefined
    return { schema, attribute, subAttribute, path: `${prefix}${attribute.name}.${subAttribute.name}` }
  }
  return undefined
}
