// The name an admin gives what they manage (an organization, an access key, a bridge):
// one rule for all, checked by the admin API's schemas and the services alike.
import * as v from 'valibot'

export const Name = v.pipe(v.string('a string'), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200, 'at most 200 characters'))
