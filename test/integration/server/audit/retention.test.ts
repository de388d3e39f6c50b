import { beforeAll, describe, expect, test } from 'bun:test'
import { insertEvents, pruneEvents, startRetention } from '../../../../server/audit'
import { connect, type Sql } from '../../../../server/db/client'
import { createOrg, migratedSql } from '../../../support'
import { captureLog, countEvents, event } from './helpers'

let sql: Sql
beforeAll(async () => {
  sql = await migratedSql()
})

const daysAgo = (d: number) => new Date(Date.now() - d * 24 * 60 * 60 * 1000)

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

  test('startRetention prunes at once; stop() waits for the run in progress', async () => {
    const orgId = await createOrg(sql)
    await insertEvents(sql, [event(orgId, { createdAt: daysAgo(31) }), event(orgId, { createdAt: daysAgo(1) })])
    const log = captureLog()
    const stop = startRetention(sql, log, 30, 20)
    await stop()
    expect(await countEvents(sql, orgId)).toBe(1)
    expect(log.lines.find((l) => l.msg === 'audit: pruned old events')?.detail).toMatchObject({ retentionDays: 30 })
  })

  test('a failed run is logged, not thrown', async () => {
    const down = connect('postgres://nobody@127.0.0.1:1/none', 1)
    const log = captureLog()
    await startRetention(down, log, 30, 60_000)()
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([['error', 'audit: pruning failed; retrying at the next interval']])
    await down.end()
  })
})
