// Small builders so the schema files read like the RFC tables: every attribute gets
// all nine characteristics, with the RFC 7643 §2.2 defaults unless overridden.
import type { Attribute, AttrType } from './types'

type Opts = Partial<Omit<Attribute, 'name' | 'type' | 'subAttributes'>>

export function attr(name: string, type: AttrType, opts: Opts = {}): Attribute {
  return {
    name,
    type,
    multiValued: false,
    description: '',
    required: false,
    caseExact: false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...opts,
  }
}

export const str = (name: string, opts: Opts = {}) => attr(name, 'string', opts)
export const bool = (name: string, opts: Opts = {}) => attr(name, 'boolean', opts)
export const dateTime = (name: string, opts: Opts = {}) => attr(name, 'dateTime', opts)
export const binary = (name: string, opts: Opts = {}) => attr(name, 'binary', { caseExact: true, ...opts })
export const ref = (name: string, referenceTypes: string[], opts: Opts = {}) =>
  attr(name, 'reference', { referenceTypes, ...opts })

export const complex = (name: string, subAttributes: Attribute[], opts: Opts = {}): Attribute => ({
  ...attr(name, 'complex', opts),
  subAttributes,
})

/**
 * The usual multi-valued shape (RFC 7643 §2.4): value, display, type, primary,
 * stored as a jsonb array in `column`.
 */
export function plural(
  name: string,
  column: string,
  description: string,
  types: string[],
  value: Attribute = str('value', { description: `The value of the ${name} entry.` }),
): Attribute {
  return complex(
    name,
    [
      value,
      str('display', { description: 'A human-readable name, primarily used for display purposes.' }),
      str('type', { description: `A label indicating the attribute's function.`, canonicalValues: types }),
      bool('primary', { description: 'Whether this is the primary value; at most one entry may be true.' }),
    ],
    { multiValued: true, description, column },
  )
}

/** id, externalId and meta (RFC 7643 §3.1), included in every resource schema. */
export function commonAttributes(): Attribute[] {
  const ro = { mutability: 'readOnly', caseExact: true } as const
  return [
    str('id', {
      ...ro,
      returned: 'always',
      uniqueness: 'server',
      description: 'Unique identifier for the resource, assigned by the service provider.',
      column: 'id',
    }),
    str('externalId', { caseExact: true, description: 'Identifier of the resource as defined by the provisioning client.', column: 'external_id' }),
    complex(
      'meta',
      [
        str('resourceType', { ...ro, description: 'The name of the resource type of the resource.' }),
        dateTime('created', { mutability: 'readOnly', description: 'When the resource was added to the service provider.', column: 'created_at' }),
        dateTime('lastModified', { mutability: 'readOnly', description: 'When the resource was last updated.', column: 'updated_at' }),
        ref('location', ['uri'], { ...ro, description: 'The URI of the resource.' }),
        str('version', { ...ro, description: 'The version (ETag) of the resource.' }),
      ],
      { mutability: 'readOnly', description: 'Resource metadata.' },
    ),
  ]
}
