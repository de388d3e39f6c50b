// A user as stored: the schema-mapped columns (server/scim/columns.ts) plus the
// columns the store derives (active default, the matching email) and who wrote it.
import { type ColumnValues, toColumns } from '../store/columns'
import { USER } from '../schema'
import { isObject, type ScimObject } from '../schema/types'

export type Source = 'scim' | 'bridge' | 'manual'

/** Who writes a user: SCIM requests, a Bridge (with its id), or an admin by hand. */
export interface Origin {
  source: Source
  bridgeId?: string | null
}

export const SCIM_ORIGIN: Origin = { source: 'scim' }

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

/**
 * The `email` column the Bridge matches on (as the reference system does): the primary email, else the
 * first, else the userName when it looks like an address; lower-cased.
 */
export function emailOf(resource: ScimObject): string | null {
  const emails = Array.isArray(resource.emails) ? resource.emails.filter(isObject) : []
  const withValue = emails.filter((e) => typeof e.value === 'string' && e.value.trim() !== '')
  const chosen = withValue.find((e) => e.primary === true) ?? withValue[0]
  if (chosen) return (chosen.value as string).trim().toLowerCase()
  const userName = typeof resource.userName === 'string' ? resource.userName.trim() : ''
  return EMAIL.test(userName) ? userName.toLowerCase() : null
}

/**
 * Every column a write sets, from a canonical (validated) User. `active` absent means
 * true (POST and PUT alike, as in the reference); absent optional attributes are null.
 */
export function userColumns(resource: ScimObject): ColumnValues {
  const cols = toColumns(USER, resource)
  cols.active = resource.active ?? true
  cols.email = emailOf(resource)
  return cols
}
