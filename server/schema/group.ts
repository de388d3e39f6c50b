// Core Group schema (RFC 7643 §4.2). Members live in group_members, not a column.
import { commonAttributes, complex, ref, str } from './attribute'
import type { Schema } from './types'

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group'

export const groupSchema: Schema = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    ...commonAttributes(),
    str('displayName', { required: true, description: 'A human-readable name for the group.', column: 'display_name' }),
    complex(
      'members',
      [
        str('value', { mutability: 'immutable', caseExact: true, description: 'The id of the member resource.' }),
        // Members are users: a group cannot be a member here.
        ref('$ref', ['User', 'Group'], { mutability: 'immutable', description: 'The URI of the member resource.', resolvesTo: 'User' }),
        str('display', { mutability: 'readOnly', description: 'The display name of the member.' }),
        str('type', { mutability: 'immutable', description: 'The type of the member.', canonicalValues: ['User', 'Group'] }),
      ],
      { multiValued: true, description: 'A list of members of the group.', unbounded: true },
    ),
  ],
}
