// Row <-> SCIM resource mapping for Users and Groups, derived from the schema's
// `column` fields: the attribute list is written once, in server/scim/schema.
// A singular simple attribute (or a sub-attribute of a singular complex one such as
// name.givenName or manager.value) is a column; a multi-valued one is a jsonb array.
// Read-only attributes (id, meta, groups, members) are the stores' business.
import postgres from 'postgres'
import type { Tx } from '../db/client'
import { isExtension, schemasOf } from '../schema'
import type { Attribute, ResourceType } from '../schema/types'
import { isObject, type ScimObject } from '../schema/types'

export interface ColumnMapping {
  /** The SQL column, snake_case. */
  column: string
  /** The key of that column in a fetched row (the driver camelCases names). */
  key: string
  /** The URN the attribute lives under when it belongs to an extension. */
  extension?: string
  attribute: Attribute
  /** Set when the column holds one sub-attribute of a singular complex attribute. */
  sub?: Attribute
  /** Multi-valued: a jsonb array of sub-objects. */
  json: boolean
}

/** A resource as the stores hand it over: canonical SCIM JSON plus what `meta` needs. */
export interface Stored {
  id: string
  version: number
  created: Date
  lastModified: Date
  /** Canonical resource (schemas, id, attributes); no meta and no `$ref`s, which depend on the public URL. */
  resource: ScimObject
}

const cache = new Map<ResourceType, ColumnMapping[]>()

/** The client-writable columns of a resource type, in schema order. */
export function columnsOf(rt: ResourceType): ColumnMapping[] {
  let out = cache.get(rt)
  if (out) return out
  out = []
  for (const schema of schemasOf(rt)) {
    const extension = isExtension(rt, schema) ? schema.id : undefined
    for (const attribute of schema.attributes) {
      if (attribute.mutability === 'readOnly') continue
      const base = { attribute, ...(extension ? { extension } : {}) }
      if (attribute.column) {
        out.push({ ...base, column: attribute.column, key: postgres.toCamel(attribute.column), json: attribute.multiValued })
        continue
      }
      if (attribute.type !== 'complex' || attribute.multiValued) continue
      for (const sub of attribute.subAttributes ?? []) {
        if (sub.column && sub.mutability !== 'readOnly') {
          out.push({ ...base, sub, column: sub.column, key: postgres.toCamel(sub.column), json: false })
        }
      }
    }
  }
  cache.set(rt, out)
  return out
}

export type ColumnValues = Record<string, unknown>

/**
 * The column values of a canonical resource (validateResource's output). Every
 * writable column is present: an attribute the resource lacks is null (or []),
 * which is what PUT needs (missing optional attributes are cleared).
 */
export function toColumns(rt: ResourceType, resource: ScimObject): ColumnValues {
  const out: ColumnValues = {}
  for (const m of columnsOf(rt)) {
    const holder = m.extension ? resource[m.extension] : resource
    let v = isObject(holder) ? holder[m.attribute.name] : undefined
    if (m.sub) v = isObject(v) ? v[m.sub.name] : undefined
    out[m.column] = m.json ? (Array.isArray(v) ? v : []) : (v ?? null)
  }
  return out
}

/** The canonical resource of a fetched row (keys camelCased by the driver). */
export function fromRow(rt: ResourceType, row: Record<string, unknown>): ScimObject {
  const out: ScimObject = { schemas: [rt.schema], id: row.id }
  for (const m of columnsOf(rt)) {
    const v = row[m.key]
    if (v === null || v === undefined || (m.json && (!Array.isArray(v) || v.length === 0))) continue
    const holder = m.extension ? ((out[m.extension] as ScimObject | undefined) ?? (out[m.extension] = {})) : out
    const value = m.json ? (v as unknown[]).map((e) => (isObject(e) ? inSchemaOrder(m.attribute, e) : e)) : v
    if (!m.sub) holder[m.attribute.name] = value
    else ((holder[m.attribute.name] as ScimObject | undefined) ?? (holder[m.attribute.name] = {}))[m.sub.name] = value
  }
  for (const { schema } of rt.schemaExtensions) if (schema in out) (out.schemas as string[]).push(schema)
  return out
}

/** jsonb keeps keys sorted by length; give them back in the schema's order. */
function inSchemaOrder(a: Attribute, element: ScimObject): ScimObject {
  const out: ScimObject = {}
  for (const s of a.subAttributes ?? []) if (s.name in element) out[s.name] = element[s.name]
  return out
}

/** The columns whose values differ (jsonb compared as JSON, whatever its key order). */
export function changedColumns(before: Record<string, unknown>, after: ColumnValues, rt: ResourceType): ColumnValues {
  const out: ColumnValues = {}
  for (const m of columnsOf(rt)) {
    if (!(m.column in after)) continue
    if (!sameJson(before[m.key] ?? (m.json ? [] : null), after[m.column])) out[m.column] = after[m.column]
  }
  return out
}

/** Wraps jsonb values for the driver (a bare JS array would be sent as a Postgres array). */
export function forSql(sql: Tx, values: ColumnValues, rt: ResourceType): Record<string, postgres.ParameterOrJSON<never>> {
  const json = new Set(columnsOf(rt).filter((m) => m.json).map((m) => m.column))
  const out: Record<string, postgres.ParameterOrJSON<never>> = {}
  for (const [k, v] of Object.entries(values)) {
    out[k] = (json.has(k) ? sql.json(v as postgres.JSONValue) : v) as postgres.ParameterOrJSON<never>
  }
  return out
}

export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime()
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]))
  }
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    return ka.length === Object.keys(b).length && ka.every((k) => k in b && sameJson(a[k], b[k]))
  }
  return false
}
