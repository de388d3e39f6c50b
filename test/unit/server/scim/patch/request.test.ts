import { describe, expect, test } from 'bun:test'
import { applyPatch } from '../../../../../server/scim/patch'
import { parsePatchRequest } from '../../../../../server/scim/patch/request'
import { USER } from '../../../../../server/schema'
import { PATCH_OP, expectScimError, patch } from './helpers'

const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u1', userName: 'bjensen' }

describe('malformed PatchOp messages', () => {
  test.each([
    ['a non-object body', [patch({ op: 'add', path: 'title', value: 'x' })], /JSON object/],
    ['null', null, /JSON object/],
    ['no schemas', { Operations: [{ op: 'add', path: 'title', value: 'x' }] }, /"schemas" must be an array containing "urn:ietf:params:scim:api:messages:2.0:PatchOp"/],
    ['the User schema instead', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], Operations: [{ op: 'add', path: 'title', value: 'x' }] }, /PatchOp/],
    ['schemas as a string', { schemas: PATCH_OP, Operations: [{ op: 'add', path: 'title', value: 'x' }] }, /PatchOp/],
    ['no Operations', { schemas: [PATCH_OP] }, /"Operations" must be a non-empty array/],
    ['empty Operations', patch(), /non-empty/],
    ['Operations as an object', { schemas: [PATCH_OP], Operations: { op: 'add', path: 'title', value: 'x' } }, /non-empty array/],
    ['an operation that is not an object', patch('add'), /Operations\[0\] must be an object/],
    ['an unknown op', patch({ op: 'update', path: 'title', value: 'x' }), /Operations\[0\]\.op must be "add", "replace" or "remove", not "update"/],
    ['a missing op', patch({ path: 'title', value: 'x' }), /not missing/],
    ['a numeric path', patch({ op: 'remove', path: 7 }), /Operations\[0\]\.path must be a string/],
    ['a bad second op', patch({ op: 'add', path: 'title', value: 'x' }, { op: 'move', path: 'title' }), /Operations\[1\]\.op/],
  ] as const)('%s -> invalidSyntax', (_, body, detail) => {
    expectScimError(() => applyPatch(USER, user, body), 'invalidSyntax', detail)
  })

  test.each([
    ['add', { op: 'add', path: 'title' }],
    ['replace', { op: 'Replace', path: 'title' }],
  ] as const)('%s without a value -> invalidValue', (op, operation) => {
    expectScimError(() => applyPatch(USER, user, patch(operation)), 'invalidValue', new RegExp(`\\(${op}\\) needs a "value"`))
  })
})

describe('accepted message variants', () => {
  test.each([
    ['capitalised ops (Entra)', { op: 'Add', path: 'title', value: 'x' }, { op: 'add', path: 'title', value: 'x' }],
    ['upper-case op', { op: 'REMOVE', path: 'title' }, { op: 'remove', path: 'title' }],
    ['member names in any case', { Op: 'Replace', Path: 'title', Value: 'x' }, { op: 'replace', path: 'title', value: 'x' }],
    ['an empty path means none', { op: 'replace', path: '', value: { title: 'x' } }, { op: 'replace', value: { title: 'x' } }],
    ['a null path means none', { op: 'replace', path: null, value: { title: 'x' } }, { op: 'replace', value: { title: 'x' } }],
    ['a padded path', { op: 'remove', path: ' title ' }, { op: 'remove', path: 'title' }],
    ['remove with a value (Entra members)', { op: 'Remove', path: 'members', value: [{ value: 'a' }] }, { op: 'remove', path: 'members', value: [{ value: 'a' }] }],
  ] as const)('%s', (_, raw, parsed) => {
    expect(parsePatchRequest(patch(raw))).toEqual([parsed])
  })

  test('"operations" and "Schemas" in another case, and the URN in another case', () => {
    const body = { Schemas: [PATCH_OP.toUpperCase()], operations: [{ op: 'add', path: 'title', value: 'Boss' }] }
    expect(applyPatch(USER, user, body).resource.title).toBe('Boss')
  })
})
