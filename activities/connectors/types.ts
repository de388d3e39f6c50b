// What every connector yields, whatever the provider: a directory user reduced to
// the fields the reconcile planner compares, and pages of them behind a cursor.

export const providers = ['scim', 'microsoft-entra', 'google-workspace', 'okta'] as const
export type Provider = (typeof providers)[number]

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

export interface Page {
  users: DirectoryUser[]
  /** Opaque resume cursor, small and serialisable so the activity can heartbeat it; null at the end. */
  next: string | null
}

export interface Connector {
  readonly provider: Provider
  /** Fetches the page at `cursor` (null = first page). Throws ConnectorError. */
  fetchPage(cursor: string | null, signal?: AbortSignal): Promise<Page>
}

/** A non-empty trimmed string, else null: providers send "", null or nothing alike. */
export function text(value: unknown): string | null {
  if (typeof value !== 'string') return null
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}

/** Emails are compared lower-cased everywhere (matching, exclusion). */
export function email(value: unknown): string | null {
  return text(value)?.toLowerCase() ?? null
}
