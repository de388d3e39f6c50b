// The admin API's request schemas (valibot): routes declare them as params, query and
// body, and Elysia checks them before the handler runs. Bridge bodies: bridges/model.ts.
import * as v from 'valibot'
import { SCOPES } from '../access-keys/store'

export const Uuid = v.pipe(v.string(), v.uuid('must be a UUID'))

/** The name of an organization or an access key. */
const Name = v.pipe(v.string('a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200, 'at most 200 characters'))

export const OrgParams = v.object({ orgId: Uuid })
export const BridgeParams = v.object({ id: Uuid })
export const KeyParams = v.object({ id: Uuid })

export const CreateOrganization = v.object({ name: Name })

export const OrganizationPage = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be an integer'), v.transform(Number), v.minValue(1), v.maxValue(500)), '100'),
  after: v.optional(Uuid),
})

export const CreateApiKey = v.object({
  name: Name,
  scopes: v.pipe(
    v.array(v.picklist(SCOPES, `must be one of ${SCOPES.join(', ')}`), 'must be an array of scopes'),
    v.minLength(1, `must name at least one scope: ${SCOPES.join(', ')}`),
    v.transform((scopes) => [...new Set(scopes)]),
  ),
  organizationId: v.optional(v.nullable(Uuid), null),
})
