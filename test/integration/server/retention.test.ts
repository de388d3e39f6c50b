// The retention schedule (server/retention.ts): every table's prune on one timer.
import { describe, expect, test } from 'bun:test'
import { insertEvents } from '../../../server/audit'
import { loadConfig } from '../../../server/config'
import { connect } from '../../../server/db/client'
import { pruners } from '../../../server/app'
import { startRetention } from '../../../server/retention'
import { createOrg, migratedSql } from '../../support'
import { pruneRuns } from '../../../bridge/store'
import { pruneDeliveries } from '../../../webhook/store'
import { daysAgo, deliveredEvents, insertBridge, insertDeliveries, insertEndpoint, insertRuns, range, runAges } from '../retention-helpers'
import { captureLog, countEvents, event } from './audit/helpers'

const sql = await migratedSql()

describe('retention', () => {
  test('startRetention prunes every configured table at once; stop() waits for the run in progress', async () => {
    const orgId = await createOrg(sql)
    await insertEvents(sql, [event(orgId, { createdAt: daysAgo(31) }), event(orgId, { createdAt: daysAgo(1) })])
    const endpointId = await insertEndpoint(sql, orgId)
    await sql`
      insert into webhook_deliveries (endpoint_id, event_id, event_type, attempt, ok, latency_ms, created_at)
      values (${endpointId}, 'old', 'user.created', 1, true, 5, ${daysAgo(8)}), (${endpointId}, 'new', 'user.created', 1, true, 5, now())`
    const bridgeId = await insertBridge(sql, orgId)
    await sql`
      insert into bridge_runs (organization_id, bridge_id, started_at, finished_at, outcome)
      select ${orgId}, ${bridgeId}, now() - g * interval '1 day', now() - g * interval '1 day', 'succeeded' from generate_series(1, 25) g`
    const log = captureLog()
    const stop = startRetention(sql, log, pruners(loadConfig({ AUDIT_RETENTION_DAYS: '30', DELIVERY_RETENTION_DAYS: '7', RUN_RETENTION_DAYS: '10' })), 20)
    await stop()
    expect(await countEvents(sql, orgId)).toBe(1)
    const deliveries = await sql<{ eventId: string }[]>`select event_id from webhook_deliveries where endpoint_id = ${endpointId}`
    expect(deliveries.map((d) => d.eventId)).toEqual(['new'])
    const [runs] = await sql<{ n: number }[]>`select count(*)::int as n from bridge_runs where bridge_id = ${bridgeId}`
    expect(runs!.n).toBe(20) // its last runs stay, however old
    const pruned = Object.fromEntries(log.lines.filter((l) => l.level === 'info').map((l) => [l.msg, l.detail]))
    expect(pruned).toMatchObject({
      'audit: pruned old events': { retentionDays: 30 },
      'webhooks: pruned old deliveries': { retentionDays: 7 },
      'bridges: pruned old runs': { retentionDays: 10 },
    })
  })

  test('two replicas pruning at once share the work: no deadlock, every row counted once', async () => {
    await pruneDeliveries(sql, 30) // what earlier tests left
    await pruneRuns(sql, 10)
    const orgId = await createOrg(sql)
    const endpoints = await Promise.all(Array.from({ length: 4 }, () => insertEndpoint(sql, orgId)))
    for (const id of endpoints) await insertDeliveries(sql, id, [...Array.from({ length: 30 }, () => 60), 0])
    const bridges = await Promise.all(Array.from({ length: 4 }, () => insertBridge(sql, orgId)))
    for (const id of bridges) await insertRuns(sql, orgId, id, range(11, 45))

    // Small batches, so each replica's statements interleave with the other's.
    const replica = async () => ({ deliveries: await pruneDeliveries(sql, 30, 7), runs: await pruneRuns(sql, 10, 4) })
    const [a, b] = await Promise.all([replica(), replica()])
    expect(a.deliveries + b.deliveries).toBe(4 * 30)
    expect(a.runs + b.runs).toBe(4 * 15)
    for (const id of endpoints) expect(await deliveredEvents(sql, id)).toEqual(['e30'])
    for (const id of bridges) expect((await runAges(sql, id)).map((r) => r.age)).toEqual(range(11, 30))
  })

  test('a failed prune is logged, not thrown, and the next still runs', async () => {
    const down = connect('postgres://nobody@127.0.0.1:1/none', 1)
    const log = captureLog()
    await startRetention(down, log, pruners(loadConfig({})), 60_000)()
    expect(log.lines.map((l) => [l.level, l.msg])).toEqual([
      ['error', 'audit: pruning failed; retrying at the next interval'],
      ['error', 'webhooks: pruning failed; retrying at the next interval'],
      ['error', 'bridges: pruning failed; retrying at the next interval'],
    ])
    await down.end()
  })
})
