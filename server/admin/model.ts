// The admin API's request schemas (valibot): routes declare them as params, query and
// body, and Elysia checks them before the handler runs. Bridge bodies: bridges/model.ts.
import * as v from 'valibot'

export const Uuid = v.pipe(v.string(), v.uuid('must be a UUID'))

export const OrgParams = v.object({ orgId: Uuid })
export const BridgeParams = v.object({ id: Uuid })

export const CreateOrganization = v.object({
  name: v.pipe(v.string('a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200, 'at most 200 characters')),
})

export const OrganizationPage = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be an integer'), v.transform(Number), v.minValue(1), v.maxValue(500)), '100'),
  after: v.optional(Uuid),
})
