// Helpers shared by the audit integration tests.
import type { AuditEvent } from '../../../../server/audit'
import type { Sql } from '../../../../server/db/client'
import type { Log } from '../../../../server/log'

export function event(organizationId: string, over: Partial<AuditEvent> = {}): AuditEvent {
  return { organizationId, source: 'scim', method: 'GET', path: '/Users', status: 200, ...over }
}

export type Captured = { level: string; msg: string; detail?: unknown }

/** A Log that records what it is told, for asserting that failures are reported. */
export function captureLog(): Log & { lines: Captured[] } {
  const lines: Captured[] = []
  const at = (level: string) => (msg: string, detail?: unknown) => void lines.push({ level, msg, detail })
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

export async function countEvents(sql: Sql, orgId: string): Promise<number> {
  const [row] = await sql<{ n: number }[]>`select count(*)::int as n from scim_events where organization_id = ${orgId}`
  return row!.n
}
