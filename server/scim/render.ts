// A stored resource as the client sees it: `meta` (resourceType, created,
// lastModified, location, version) and `$ref`s built from the public base URL, then
// the attributes= / excludedAttributes= projection.
import type { Stored } from './columns'
import { etag } from './reply'
import { ENTERPRISE_SCHEMA, GROUP, USER } from './schema'
import { type Projection, project } from './schema/project'
import type { ResourceType } from './schema/types'
import { isObject, type ScimObject } from './schema/validate'
import { LIST_RESPONSE } from './list'

/** Which references each resource type carries, and what they point at. */
const REFERENCES: Record<ResourceType['id'], { get(r: ScimObject): unknown; target: ResourceType }[]> = {
  User: [
    { get: (r) => r.groups, target: GROUP },
    { get: (r) => (isObject(r[ENTERPRISE_SCHEMA]) ? r[ENTERPRISE_SCHEMA].manager : undefined), target: USER },
  ],
  Group: [{ get: (r) => r.members, target: USER }],
}

export function locationOf(base: string, rt: ResourceType, id: string): string {
  return `${base}${rt.endpoint}/${id}`
}

/** The full resource: references resolved to URLs and `meta` added. */
export function render(rt: ResourceType, s: Stored, base: string): ScimObject {
  const resource = structuredClone(s.resource)
  for (const ref of REFERENCES[rt.id]) {
    const v = ref.get(resource)
    for (const item of Array.isArray(v) ? v : [v]) {
      if (isObject(item) && typeof item.value === 'string') item.$ref = locationOf(base, ref.target, item.value)
    }
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
