// Shared by the PATCH tests: request builders and an assertion on ScimErrors.
import { expect } from 'bun:test'
import type { ScimError, ScimType } from '../../../../../server/scim/errors'
import { scimErrorOf } from '../helpers'

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

export const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations })

/** Runs `run`, expecting a 400 ScimError of `scimType` whose detail matches `detail`. */
export function expectScimError(run: () => unknown, scimType: ScimType, detail?: RegExp): ScimError {
  const err = scimErrorOf(run)
  expect({ status: err.status, scimType: err.scimType }).toEqual({ status: 400, scimType })
  if (detail) expect(err.detail).toMatch(detail)
  return err
}
