// What every connector yields, whatever the provider: pages of directory users and
// groups, and pages of a group's members (bridge/directory.ts), each behind a cursor.

import type { DirectoryGroup, DirectoryUser } from '../../bridge/directory'
import type { Provider } from '../../bridge/providers'

export interface Page {
  users: DirectoryUser[]
  /** Opaque resume cursor, small and serialisable so the activity can heartbeat it; null at the end. */
  next: string | null
}

export interface GroupPage {
  groups: DirectoryGroup[]
  next: string | null
}

/** The users among a group's members, by their externalId (the same id DirectoryUser.externalId carries). */
export interface MemberPage {
  userIds: string[]
  next: string | null
}

export interface Connector {
  readonly provider: Provider
  /** Fetches the page at `cursor` (null = first page). Throws ConnectorError. */
  fetchPage(cursor: string | null, signal?: AbortSignal): Promise<Page>
  /** Fetches the page of groups at `cursor` (null = first page). Throws ConnectorError. */
  fetchGroupsPage(cursor: string | null, signal?: AbortSignal): Promise<GroupPage>
  /**
   * Fetches the page of the group's user members at `cursor` (null = first page). Where the
   * provider nests groups, users of nested groups count as members (see each provider).
   */
  fetchMembersPage(groupExternalId: string, cursor: string | null, signal?: AbortSignal): Promise<MemberPage>
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

/** A group from the provider's id, name and description; null without an id or a name. */
export function directoryGroup(id: unknown, name: unknown, description: unknown): DirectoryGroup | null {
  const externalId = text(id)
  const displayName = text(name)
  return externalId && displayName ? { externalId, displayName, description: text(description) } : null
}
