// Bodies of the discovery endpoints (RFC 7644 §4), generated from the schema data.
// Pure: the routes pass the public base URL (PUBLIC_URL + SCIM base path).
import { notFound } from './errors'
import { RESOURCE_TYPES, SCHEMAS, resourceTypeById, schemaById } from '../schema'
import type { Attribute, ResourceType, Schema } from '../schema/types'

const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse'
const SCHEMA_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Schema'
const RESOURCE_TYPE_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ResourceType'
const SPC_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'

export interface ServiceProviderOptions {
  baseUrl: string
  /** filter.maxResults: the most resources one list response returns. */
  maxResults: number
  defaultPageSize: number
  maxPageSize: number
  /** Seconds a cursor stays valid (RFC 9865). */
  cursorTimeout: number
  documentationUri?: string
}

export function serviceProviderConfig(o: ServiceProviderOptions) {
  return {
    schemas: [SPC_SCHEMA],
    ...(o.documentationUri ? { documentationUri: o.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: o.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: o.defaultPageSize,
      maxPageSize: o.maxPageSize,
      cursorTimeout: o.cursorTimeout,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with the bearer token issued for the organization\'s SCIM configuration.',
        specUri: 'https://www.rfc-editor.org/info/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${o.baseUrl}/ServiceProviderConfig` },
  }
}

export function schemasList(baseUrl: string) {
  return listResponse(SCHEMAS.map((s) => schemaBody(s, baseUrl)))
}

/** `/Schemas/{id}`; 404 for an unknown id. */
export function schemaResource(id: string, baseUrl: string) {
  const s = schemaById(id)
  if (!s) throw notFound(`no schema "${id}"`)
  return schemaBody(s, baseUrl)
}

export function resourceTypesList(baseUrl: string) {
  return listResponse(RESOURCE_TYPES.map((r) => resourceTypeBody(r, baseUrl)))
}

/** `/ResourceTypes/{id}`; 404 for an unknown id. */
export function resourceTypeResource(id: string, baseUrl: string) {
  const r = resourceTypeById(id)
  if (!r) throw notFound(`no resource type "${id}"`)
  return resourceTypeBody(r, baseUrl)
}

function listResponse<T>(resources: T[]) {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: resources.length,
    itemsPerPage: resources.length,
    startIndex: 1,
    Resources: resources,
  }
}

function schemaBody(s: Schema, baseUrl: string) {
  return {
    schemas: [SCHEMA_SCHEMA],
    id: s.id,
    name: s.name,
    description: s.description,
    attributes: s.attributes.map(describe),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${s.id}` },
  }
}

function resourceTypeBody(r: ResourceType, baseUrl: string) {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA],
    id: r.id,
    name: r.name,
    endpoint: r.endpoint,
    description: r.description,
    schema: r.schema,
    schemaExtensions: r.schemaExtensions.map((e) => ({ ...e })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${r.id}` },
  }
}

/** RFC 7643 §7 attribute definition; the server's own details (`column`, `indexedValues`, `unbounded`, `resolvesTo`) stay internal. */
type AttributeDefinition = Omit<Attribute, 'column' | 'indexedValues' | 'unbounded' | 'resolvesTo' | 'subAttributes'> & { subAttributes?: AttributeDefinition[] }

function describe(a: Attribute): AttributeDefinition {
  const { column: _column, indexedValues: _indexed, unbounded: _unbounded, resolvesTo: _resolvesTo, subAttributes, ...rest } = a
  return subAttributes ? { ...rest, subAttributes: subAttributes.map(describe) } : rest
}
