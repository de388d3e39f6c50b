// The SCIM PATCH engine (RFC 7644 §3.5.2): pure, atomic, and tolerant of the
// shapes real clients send (Entra, Okta, OneLogin: see test/integration/server/scim/). The caller validates the result
// (context 'patchResult') before storing it.
import { ScimError } from '../errors'
import { getAttribute } from '../filter/eval'
import type { ResourceType } from '../../schema/types'
import { type PatchState, applyOperation } from './apply'
import type { MemberOp } from '../../groups/store'
import { MemberOpList } from './members'
import { type Operation, parsePatchRequest } from './request'
import { type Json, isUnassigned, sameValue } from './values'

export { PATCH_OP_SCHEMA } from './request'

export interface PatchResult {
  /** The patched resource, canonical names, not yet validated nor coerced ("False" stays a string). */
  resource: Json
  /** False when the result is the same state as the input: nothing to store, no new version. */
  changed: boolean
  /** Groups only (always set for them): membership changes, in order; `resource.members` is left as given. */
  memberOps?: MemberOp[]
}

/**
 * Applies a PatchOp request `body` to `resource` (the current canonical SCIM JSON).
 * Throws a ScimError on the first operation that fails, before anything is
 * returned, so a failed PATCH changes nothing. Inputs are never modified.
 */
export function applyPatch(rt: ResourceType, resource: Json, body: unknown): PatchResult {
  // Cloned so that values taken from the body and edited by later operations never alias the caller's objects.
  const ops = parsePatchRequest(structuredClone(body))
  const state: PatchState = { rt, resource: structuredClone(resource) }
  if (rt.id === 'Group') state.memberOps = new MemberOpList()
  ops.forEach((op, i) => {
    try {
      applyOperation(state, op)
    } catch (e) {
      throw e instanceof ScimError ? new ScimError(e.status, e.scimType, `${describe(op, i)}: ${e.detail}`) : e
    }
  })
  syncSchemas(rt, resource, state.resource)
  const result: PatchResult = { resource: state.resource, changed: !sameValue(resource, state.resource) }
  if (state.memberOps) result.memberOps = state.memberOps.list()
  return result
}

/**
 * An extension object emptied by the patch is dropped, and `schemas` lists an
 * extension exactly when its object is present (RFC 7643 §3), where that changed.
 */
function syncSchemas(rt: ResourceType, before: Json, after: Json): void {
  for (const { schema: urn } of rt.schemaExtensions) {
    if (urn in after && isUnassigned(after[urn])) delete after[urn]
    const had = !isUnassigned(getAttribute(before, urn))
    const has = urn in after
    const schemas = after.schemas
    if (had === has || !Array.isArray(schemas)) continue
    const others = schemas.filter((s) => typeof s !== 'string' || s.toLowerCase() !== urn.toLowerCase())
    after.schemas = has ? [...others, urn] : others
  }
}

// Details name the failing operation; they already quote the path they concern.
function describe(op: Operation, i: number): string {
  return `Operations[${i}] (${op.op})`
}
