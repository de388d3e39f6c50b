import * as v from 'valibot'

export const CreateOrganization = v.object({
  name: v.pipe(v.string('a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200, 'at most 200 characters')),
})

export const Uuid = v.pipe(v.string(), v.uuid('must be a UUID'))
