import { beforeAll, describe, expect, test } from 'bun:test'
import { insertEvents, pruneEvents } from '../../../../server/audit'
import type { Sql } from '../../../../server/db/client'
import { createOrg, migratedSql } from '../../../support'
import { daysAgo } from '../../retention-helpers'
import { event } from './helpers'

let sql: Sql
beforeAll(async () => {
  sql = await migratedSql()
})

describe('retention', () => {
  test('pruneEvents deletes only events older than the retention, across organizations, in batches', async () => {
    const a = await createOrg(sql)
    const b = await createOrg(sql)
    await insertEvents(sql, [
      ...Array.from({ length: 25 }, () => event(a, { path: '/old', createdAt: daysAgo(91) })),
      event(b, { path: '/old', createdAt: daysAgo(400) }),
      event(a, { path: '/kept', createdAt: daysAgo(89) }),
      event(b, { path: '/kept', createdAt: new Date() }),
    ])
    // Batches of 10: three statements for 26 rows (plus any old rows other tests left).
    const deleted = await pruneEvents(sql, 90, 10)
    expect(deleted).toBeGreaterThanOrEqual(26)
    const left = await sql<{ path: string }[]>`select path from scim_events where organization_id in ${sql([a, b])}`
    expect(left.map((r) => r.path)).toEqual(['/kept', '/kept'])
    expect(await pruneEvents(sql, 90, 10)).toBe(0)
  })
})
