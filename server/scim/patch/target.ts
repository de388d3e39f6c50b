// What a PATCH path (or a key of a path-less value) points at, resolved against
// the resource type's schemas. Path syntax comes from the filter parser's
// `parsePath`; everything that names no attribute is 400 invalidPath (RFC 7644 §3.12).
import { invalidPath } from '../errors'
import type { Filter } from '../filter/ast'
import type { AttrPath } from '../../schema/path'
import { checkFilter, elementLookup } from '../filter/eval'
import { parsePath } from '../filter/parse'
import { findAttribute, isExtension, resolveAttribute, schemaById, schemasOf } from '../../schema'
import type { Attribute, ResourceType, Schema } from '../../schema/types'

/** A whole schema: the resource itself (no path), or an extension by its URN. */
export interface SchemaTarget {
  kind: 'schema'
  schema: Schema
  /** The URN key the schema's attributes live under; undefined for the core schema. */
  extension?: string
}

export interface AttributeTarget {
  kind: 'attribute'
  attribute: Attribute
  sub?: Attribute
  /** The value selection filter of `attr[filter]`, checked against the attribute's sub-attributes. */
  filter?: Filter
  extension?: string
  /** Canonical spelling, e.g. `name.givenName`, `urn:...:User:department`. */
  name: string
  /** As the client wrote it, for error details. */
  label: string
}

export type Target = SchemaTarget | AttributeTarget

export function schemaTarget(rt: ResourceType, schema: Schema): SchemaTarget {
  return isExtension(rt, schema) ? { kind: 'schema', schema, extension: schema.id } : { kind: 'schema', schema }
}

/**
 * Resolves `text`. Within `scope` (the attributes of one extension, as in
 * `{"urn:...:User": {"department": "x"}}`) unqualified names belong to that extension.
 */
export function resolveTarget(rt: ResourceType, text: string, scope?: SchemaTarget): Target {
  const schema = schemaById(text)
  if (schema && schemasOf(rt).includes(schema)) return schemaTarget(rt, schema)
  const parsed = parsePath(text)
  const path: AttrPath = parsed.path.uri === undefined && scope?.extension ? { ...parsed.path, uri: scope.extension } : parsed.path
  const r = resolveAttribute(rt, path)
  if (!r) throw unknown(rt, path, text)
  const extension = isExtension(rt, r.schema) ? r.schema.id : undefined
  const target: AttributeTarget = { kind: 'attribute', attribute: r.attribute, name: r.path, label: text }
  if (extension) target.extension = extension
  if (r.subAttribute) target.sub = r.subAttribute
  if (parsed.filter) {
    if (!r.attribute.multiValued || r.attribute.type !== 'complex') {
      throw invalidPath(`"${text}": "${r.path}" is not a multi-valued complex attribute, so it takes no "[...]" filter`)
    }
    checkNames(parsed.filter, r.attribute, text)
    // Unsupported comparisons (e.g. `primary gt true`) stay invalidFilter, as RFC 7644 §3.12 lists it for PATCH path filters.
    checkFilter(parsed.filter, elementLookup(r.attribute))
    target.filter = parsed.filter
  }
  if (parsed.sub !== undefined) {
    const sub = findAttribute(r.attribute.subAttributes, parsed.sub)
    if (!sub) throw invalidPath(`"${text}": "${r.path}" has no sub-attribute "${parsed.sub}"`)
    target.sub = sub
    target.name = `${r.path}.${sub.name}`
  }
  return target
}

/** The readOnly part a target names, if any (id, meta, groups, manager.displayName...). */
export function readOnlyPart(t: AttributeTarget): string | undefined {
  if (t.attribute.mutability === 'readOnly') return t.name
  return t.sub?.mutability === 'readOnly' ? t.name : undefined
}

/** Every name inside `attr[...]` must be one of attr's sub-attributes. */
function checkNames(f: Filter, parent: Attribute, text: string): void {
  switch (f.op) {
    case 'and':
    case 'or':
      checkNames(f.left, parent, text)
      return checkNames(f.right, parent, text)
    case 'not':
      return checkNames(f.filter, parent, text)
    default: {
      const p = f.path
      if (p.uri !== undefined || p.sub !== undefined || f.op === 'valuePath' || !findAttribute(parent.subAttributes, p.attr)) {
        throw invalidPath(`"${text}": "${parent.name}" has no sub-attribute "${show(p)}" (inside "[...]" name its sub-attributes directly)`)
      }
    }
  }
}

function unknown(rt: ResourceType, p: AttrPath, text: string) {
  if (p.uri !== undefined && !schemasOf(rt).some((s) => s.id.toLowerCase() === p.uri!.toLowerCase())) {
    return invalidPath(`"${text}": "${p.uri}" is not a schema of ${rt.name} resources`)
  }
  if (p.sub !== undefined && resolveAttribute(rt, { ...p, sub: undefined })) {
    return invalidPath(`"${text}": "${p.attr}" has no sub-attribute "${p.sub}"`)
  }
  return invalidPath(`"${text}": ${rt.name} has no attribute "${p.attr}"`)
}

function show(p: AttrPath): string {
  return `${p.uri ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`
}
