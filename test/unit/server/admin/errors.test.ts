// The admin API's one error mapping (server/admin/errors.ts): every domain error, and
// Elysia's and the database's own, get their status and code.
import { expect, test } from 'bun:test'
import { adminAnswer, ApiError } from '../../../../server/admin/errors'
import { Conflict, InvalidInput, NotFound, NotUsers, Unavailable } from '../../../../server/errors'
import { createLog } from '../../../../server/log'

const log = createLog('error')

// [what, error, status, code, Retry-After, the error's own message shown]
const cases: [string, Error, number, string, boolean, boolean][] = [
  ['ApiError', new ApiError(401, 'unauthorized', 'send a token'), 401, 'unauthorized', false, true],
  ['ApiError forbidden (a scope missing)', new ApiError(403, 'forbidden', 'this route needs the admin scope'), 403, 'forbidden', false, true],
  ['NotFound', new NotFound('bridge x does not exist'), 404, 'not_found', false, true],
  ['Conflict', new Conflict('already has one'), 409, 'conflict', false, true],
  ['InvalidInput', new InvalidInput('cursor: not a cursor'), 400, 'invalid_request', false, true],
  ['Unavailable temporal', new Unavailable('temporal', 'Temporal did not answer'), 503, 'temporal_unavailable', true, true],
  ['Unavailable secrets key', new Unavailable('secrets key', 'SECRETS_KEY is not set'), 503, 'secrets_key_missing', true, true],
  ['a lock timeout', Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }), 503, 'busy', true, false],
  ['a refused connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 503, 'database_unavailable', true, false],
  ['anything else', new NotUsers(['x']), 500, 'internal', false, false],
]

test.each(cases)('%s', (_, error, status, code, retryAfter, ownMessage) => {
  const answer = adminAnswer('UNKNOWN', error, log)
  expect(answer).toMatchObject({ status, code })
  expect(answer.retryAfter ?? false).toBe(retryAfter)
  expect(answer.message === error.message).toBe(ownMessage)
})

test("Elysia's own: a bad JSON body, an unknown route", () => {
  expect(adminAnswer('PARSE', new Error('x'), log)).toMatchObject({ status: 400, code: 'invalid_json' })
  expect(adminAnswer('NOT_FOUND', new Error('x'), log)).toMatchObject({ status: 404, code: 'not_found' })
})
