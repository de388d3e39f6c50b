// SCIM schemas as data (RFC 7643 §7). One definition drives discovery (/Schemas),
// validation and coercion, attributes= projection, PATCH checks, filters and sorting.
export type AttrType = 'string' | 'boolean' | 'decimal' | 'integer' | 'dateTime' | 'reference' | 'binary' | 'complex'
export type Mutability = 'readOnly' | 'readWrite' | 'immutable' | 'writeOnly'
export type Returned = 'always' | 'never' | 'default' | 'request'
export type Uniqueness = 'none' | 'server' | 'global'

export interface Attribute {
  name: string
  type: AttrType
  multiValued: boolean
  description: string
  required: boolean
  caseExact: boolean
  mutability: Mutability
  returned: Returned
  uniqueness: Uniqueness
  canonicalValues?: string[]
  referenceTypes?: string[]
  subAttributes?: Attribute[]
  /**
   * Storage, never shown in discovery. A singular simple attribute (or a sub-attribute of
   * a singular complex one such as name.givenName) names its column in the resource's
   * table; a multi-valued attribute names its jsonb column (elements keyed by sub-attribute
   * name). Attributes stored elsewhere (members, groups, meta) are resolved by the store.
   */
  column?: string
  /**
   * Storage: a GIN index on `scim_lower_values(column)` (the elements' lower-cased
   * `value`s) exists, so `value eq` filters can find their rows through it.
   */
  indexedValues?: true
  /**
   * Server: this multi-valued attribute takes any number of values (Group members; the
   * body-size limit bounds them). Others take at most MAX_VALUES (server/scim/validate.ts).
   */
  unbounded?: true
  /**
   * Server, on a `$ref` sub-attribute: the resource type its sibling `value` names here
   * (referenceTypes says what SCIM allows; this says what this server stores), so the
   * URL is built from `value`.
   */
  resolvesTo?: 'User' | 'Group'
}

export interface Schema {
  id: string
  name: string
  description: string
  attributes: Attribute[]
}

export interface ResourceType {
  id: 'User' | 'Group'
  name: string
  endpoint: '/Users' | '/Groups'
  description: string
  schema: string
  schemaExtensions: { schema: string; required: boolean }[]
  /** The SQL table the resource lives in. */
  table: 'users' | 'groups'
}

/** A resource, or any JSON object inside one. */
export type ScimObject = Record<string, unknown>

export function isObject(v: unknown): v is ScimObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}
