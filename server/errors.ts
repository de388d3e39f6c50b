// Domain errors: what the stores and services say went wrong, in their own words. Each
// edge maps them to its own shape (SCIM: scim/reply.ts errorReply; the admin API:
// admin/errors.ts). Database trouble is not here: databaseTrouble (db/client.ts) sorts
// the driver's errors into busy and unavailable, and both edges answer 503.
import * as v from 'valibot'

/** A userName is already taken in the organization (case-insensitively). */
export class UserNameTaken extends Error {
  override readonly name = 'UserNameTaken'
  constructor(readonly userName: unknown) {
    super(`userName ${JSON.stringify(userName)} is already taken in this organization`)
  }
}

/** Group members must be users of the organization; these ids name none. */
export class NotUsers extends Error {
  override readonly name = 'NotUsers'
  constructor(readonly ids: string[]) {
    const shown = ids.slice(0, 5).map((id) => JSON.stringify(id)).join(', ')
    const more = ids.length > 5 ? ` and ${ids.length - 5} more` : ''
    super(`members must be users of this organization; ${ids.length === 1 ? 'this id names' : 'these ids name'} no user: ${shown}${more}`)
  }
}

/** What was asked for does not exist (in the caller's organization). */
export class NotFound extends Error {
  override readonly name = 'NotFound'
}

/** The request contradicts the current state (a second SCIM configuration, a refused bridge action). */
export class Conflict extends Error {
  override readonly name = 'Conflict'
}

/** Input the caller can fix: the message names the field and what it must be. */
export class InvalidInput extends Error {
  override readonly name = 'InvalidInput'
}

/** A dependency other than the database cannot serve the request now. */
export class Unavailable extends Error {
  override readonly name = 'Unavailable'
  constructor(
    readonly dependency: 'temporal' | 'secrets key',
    message: string,
  ) {
    super(message)
  }
}

/** A valibot issue as one line: `field.path: message`. */
export function issueText(issue: v.BaseIssue<unknown>): string {
  const path = v.getDotPath(issue)
  return path ? `${path}: ${issue.message}` : issue.message
}

/** `input` checked against `schema`; the first issue becomes InvalidInput. */
export function checked<S extends v.GenericSchema>(schema: S, input: unknown): v.InferOutput<S> {
  const r = v.safeParse(schema, input)
  if (r.success) return r.output
  throw new InvalidInput(issueText(r.issues[0]))
}
