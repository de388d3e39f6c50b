// The admin API's error shape, { error: { code, message } }, and the mapping of every
// error a route can raise onto it: the admin's own (ApiError), the domain's
// (server/errors.ts), Elysia's (validation, parse, unknown route) and the database's.
import type { ValidationError } from 'elysia'
import type { BaseIssue } from 'valibot'
import { Conflict, InvalidInput, issueText, NotFound, Unavailable } from '../errors'
import { databaseTrouble, RETRY_AFTER_SECONDS } from '../db/client'
import type { Log } from '../log'

/** An error the admin plugin raises itself (authentication). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The error classes the plugin registers with Elysia's `.error()`, by name. */
export const ADMIN_ERRORS = { ApiError, NotFound, Conflict, InvalidInput, Unavailable }

type Answer = { status: number; code: string; message: string; retryAfter?: boolean }

const UNAVAILABLE_CODES: Record<Unavailable['dependency'], string> = {
  temporal: 'temporal_unavailable',
  'secrets key': 'secrets_key_missing',
}

/** What the admin API answers for `error` (Elysia's error `code` tells its own kinds apart). */
export function adminAnswer(code: string | number, error: unknown, log: Log): Answer {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message }
  if (error instanceof NotFound) return { status: 404, code: 'not_found', message: error.message }
  if (error instanceof Conflict) return { status: 409, code: 'conflict', message: error.message }
  if (error instanceof InvalidInput) return { status: 400, code: 'invalid_request', message: error.message }
  if (error instanceof Unavailable) return { status: 503, code: UNAVAILABLE_CODES[error.dependency], message: error.message, retryAfter: true }
  if (code === 'VALIDATION') {
    // Route schemas are valibot's (Standard Schema): the first issue is valibot's own.
    const issue = (error as ValidationError).valueError as unknown as BaseIssue<unknown> | undefined
    return { status: 400, code: 'invalid_request', message: issue ? issueText(issue) : 'the request is not valid' }
  }
  if (code === 'PARSE') return { status: 400, code: 'invalid_json', message: 'the request body is not valid JSON' }
  if (code === 'NOT_FOUND') return { status: 404, code: 'not_found', message: 'no such admin route' }
  const trouble = databaseTrouble(error)
  if (trouble) {
    log.warn(`admin: database ${trouble}`, { code: (error as { code?: unknown }).code, message: (error as Error).message })
    return trouble === 'busy'
      ? { status: 503, code: 'busy', message: 'the row is held by another writer (such as a directory sync) or the database is slow; retry shortly', retryAfter: true }
      : { status: 503, code: 'database_unavailable', message: 'the database cannot be reached right now (restarting or failing over); retry shortly', retryAfter: true }
  }
  log.error('admin: unexpected error', error)
  return { status: 500, code: 'internal', message: 'internal error; see the server log' }
}

/** The onError handler of the admin plugin (and the console's session routes): every error as { error: { code, message } }. */
export function answerErrors(log: Log) {
  return ({ code, error, set }: { code: string | number; error: unknown; set: { status?: number | string; headers: Record<string, string | number> } }) => {
    const answer = adminAnswer(code, error, log)
    set.status = answer.status
    if (answer.retryAfter) set.headers['retry-after'] = String(RETRY_AFTER_SECONDS)
    return { error: { code: answer.code, message: answer.message } }
  }
}
