// A stored resource as the client sees it: `meta` (resourceType, created,
// lastModified, location, version) and `$ref`s built from the public base URL, then
// the attributes= / excludedAttributes= projection.
import type { Stored } from '../store/columns'
import { etag } from './reply'
import { ENTERPRISE_SCHEMA, GROUP, USER } from '../schema'
import { type Projection, project } from './project'
import type { ResourceType } from '../schema/types'
import { isObject, type ScimObject } from '../schema/types'
import { LIST_RESPONSE } from './list'

export function locationOf(base: string, rt: ResourceType, id: string): string {
  return `${base}${rt.endpoint}/${id}`
}

/** Which references each resource type carries: where they sit, what they point at. */
const REFERENCE_PATHS: Record<ResourceType['id'], { at: string; inside?: string; target: ResourceType }[]> = {
  User: [
    { at: 'groups', target: GROUP },
    { at: 'manager', inside: ENTERPRISE_SCHEMA, target: USER },
  ],
  Group: [{ at: 'members', target: USER }],
}

/**
 * The full resource: references resolved to URLs and `meta` added. The stored object is
 * never mutated: the result is a shallow copy in which only the objects that gain a
 * `$ref` (and their parents) are copied; everything else is shared with `s.resource`.
 */
export function render(rt: ResourceType, s: Stored, base: string): ScimObject {
  const resource: ScimObject = { ...s.resource }
  for (const ref of REFERENCE_PATHS[rt.id]) {
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
