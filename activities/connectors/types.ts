// What every connector yields, whatever the provider: pages of directory users
// (bridge/directory.ts) behind a cursor.

import type { DirectoryUser } from '../../bridge/directory'
import type { Provider } from '../../bridge/providers'

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
