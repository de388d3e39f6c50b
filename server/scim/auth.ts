// Bearer token -> the one organization whose SCIM configuration it belongs to.
// Only the SHA-256 of a token is stored; we hash what the client sends and look the
// hash up (an index lookup on a digest reveals nothing about the secret through
// timing: there is no plaintext comparison to be early-exited). A rotated or deleted
// configuration's old hash is gone, so its token fails from the next request on.
import type { Tx } from '../db/client'
import { bearer } from '../http'
import { ScimHttpError } from './reply'
import { hashToken } from './token'

export interface Tenant {
  organizationId: string
  configurationId: string
}

const CHALLENGE = 'Bearer realm="scim"'

export async function authenticate(sql: Tx, authorization: string | null): Promise<Tenant> {
  const token = bearer(authorization)
  if (!token) {
    throw new ScimHttpError(401, undefined, 'send the SCIM token as "Authorization: Bearer <token>"', { 'www-authenticate': CHALLENGE })
  }
  const [row] = await sql<Tenant[]>`
    select organization_id, id as configuration_id from scim_configurations where token_hash = ${hashToken(token)}`
  if (!row) {
    throw new ScimHttpError(401, undefined, 'the bearer token is not valid (unknown, rotated or revoked)', {
      'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
    })
  }
  return row
}
