// Shared by the SCIM unit tests: the ScimError a call throws.
import { ScimError } from '../../../../server/scim/errors'

/** The ScimError `run` throws; fails the test if it throws nothing or something else. */
export function scimErrorOf(run: () => unknown): ScimError {
  try {
    run()
  } catch (e) {
    if (e instanceof ScimError) return e
    throw e
  }
  throw new Error('expected a ScimError, but nothing was thrown')
}
