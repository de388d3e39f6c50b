// A stored resource as the client sees it: `meta` (resourceType, created,
// lastModified, location, version) and `$ref`s built from the public base URL, then
// the attributes= / excludedAttributes= projection.
import type { Stored } from '../store/columns'
import { etag } from './reply'
import { isExtension, resourceTypeById, schemasOf } from '../schema'
import { type Projection, project } from './project'
import type { ResourceType } from '../schema/types'
import { isObject, type ScimObject } from '../schema/types'
import { LIST_RESPONSE } from './list'

export function locationOf(base: string, rt: ResourceType, id: string): string {
  return `${base}${rt.endpoint}/${id}`
}

type Reference = { at: string; inside?: string; target: ResourceType }

/** Where a resource type's references sit and what they point at: its attributes with a `$ref` that `resolvesTo` a type. */
function referencesOf(rt: ResourceType): Reference[] {
  const out: Reference[] = []
  for (const schema of schemasOf(rt)) {
    for (const a of schema.attributes) {
      const target = a.subAttributes?.find((s) => s.name === '$ref')?.resolvesTo
      if (target) out.push({ at: a.name, ...(isExtension(rt, schema) ? { inside: schema.id } : {}), target: resourceTypeById(target)! })
    }
  }
  return out
}

const REFERENCES = new Map<ResourceType, Reference[]>()

/**
 * The full resource: references resolved to URLs and `meta` added. The stored object is
 * never mutated: the result is a shallow copy in which only the objects that gain a
 * `$ref` (and their parents) are copied; everything else is shared with `s.resource`.
 */
export function render(rt: ResourceType, s: Stored, base: string): ScimObject {
  const resource: ScimObject = { ...s.resource }
  let references = REFERENCES.get(rt)
  if (!references) REFERENCES.set(rt, (references = referencesOf(rt)))
  for (const ref of references) {
    let owner = resource
    if (ref.inside) {
      const ext = resource[ref.inside]
      if (!isObject(ext)) continue
      owner = resource[ref.inside] = { ...ext }
    }
    const link = (item: unknown) =>
      isObject(item) && typeof item.value === 'string' ? { ...item, $ref: locationOf(base, ref.target, item.value) } : item
    const v = owner[ref.at]
    if (Array.isArray(v)) owner[ref.at] = v.map(link)
    else if (v !== undefined) owner[ref.at] = link(v)
  }
  resource.meta = {
    resourceType: rt.id,
    created: s.created.toISOString(),
    lastModified: s.lastModified.toISOString(),
    location: locationOf(base, rt, s.id),
    version: etag(s.version),
  }
  return resource
}

export function renderProjected(rt: ResourceType, s: Stored, base: string, p: Projection): ScimObject {
  return project(rt, render(rt, s, base), p)
}

export function listResponse(resources: ScimObject[], total: number, startIndex: number | undefined, nextCursor?: string) {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: total,
    itemsPerPage: resources.length,
    ...(startIndex !== undefined ? { startIndex } : {}),
    ...(nextCursor ? { nextCursor } : {}),
    Resources: resources,
  }
}
