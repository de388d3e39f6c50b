// Enterprise User extension (RFC 7643 §4.3), stored as columns of `users`.
import { complex, ref, str } from './attribute'
import type { Schema } from './types'

export const ENTERPRISE_SCHEMA = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

export const enterpriseSchema: Schema = {
  id: ENTERPRISE_SCHEMA,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    str('employeeNumber', { description: 'Numeric or alphanumeric identifier assigned to the person by the organization.', column: 'employee_number' }),
    str('costCenter', { description: 'Identifies the name of a cost center.', column: 'cost_center' }),
    str('organization', { description: 'Identifies the name of an organization.', column: 'organization' }),
    str('division', { description: 'Identifies the name of a division.', column: 'division' }),
    str('department', { description: 'Identifies the name of a department.', column: 'department' }),
    complex(
      'manager',
      [
        str('value', { caseExact: true, description: 'The id of the SCIM resource representing the user\'s manager.', column: 'manager_id' }),
        ref('$ref', ['User'], { description: "The URI of the SCIM resource representing the user's manager.", resolvesTo: 'User' }),
        str('displayName', { mutability: 'readOnly', description: "The displayName of the user's manager." }),
      ],
      { description: "The user's manager." },
    ),
  ],
}
