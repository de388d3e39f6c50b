// The bridge's records, shared by the connectors (activities/), the planner and the users
// store (server/users/batch.ts): what a directory user and group are, and how a stored
// user and an update look to the planner.

export interface DirectoryUser {
  /** The provider's immutable id (Graph object id, Google id, Okta id, SCIM id). */
  externalId: string
  userName: string
  /** Primary email, lower-cased (the planner matches on it). */
  email: string | null
  givenName: string | null
  familyName: string | null
  displayName: string | null
  active: boolean
  title: string | null
  department: string | null
  employeeNumber: string | null
  /** The manager's id in the same provider, when the provider gives one. */
  managerExternalId: string | null
}

/** A group as the directory has it; members come separately (they can be many). */
export interface DirectoryGroup {
  /** The provider's immutable id. */
  externalId: string
  displayName: string
  description: string | null
}

export type UserSource = 'scim' | 'bridge' | 'manual'

/** A stored user as the planner sees it (columns of `users`, camelCased): the directory fields, plus who manages it. */
export type StoredUser = Omit<DirectoryUser, 'externalId' | 'managerExternalId'> & {
  id: string
  externalId: string | null
  /** The manager's externalId (the store joins it from manager_id); undefined = not loaded, not compared. */
  managerExternalId?: string | null
  source: UserSource
  bridgeId: string | null
}

export interface UserUpdate {
  id: string
  /** Only the fields that differ; `active` appears only as `true` (deactivations are separate). */
  changes: Partial<DirectoryUser>
  /** Take the user over: set source 'bridge' and this bridge's id. */
  adopt: boolean
}
