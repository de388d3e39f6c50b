// Domain errors: what the stores say went wrong, in their own words. Each edge maps them
// to its own shape (SCIM: scim/reply.ts errorReply; the admin API has none to map yet).

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
