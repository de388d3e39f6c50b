// Retention of the delivery log (pruneDeliveries), on the real Postgres.
import { expect, test } from 'bun:test'
import { endpointProgress, pruneDeliveries } from '../../../webhook/store'
import { createOrg, migratedSql } from '../../support'
import { deliveredEvents, insertDeliveries, insertEndpoint, pruneCounted } from '../retention-helpers'

const sql = await migratedSql()

test('pruneDeliveries deletes deliveries past the retention in bounded batches; recent ones and each endpoint\'s last one stay', async () => {
  const orgId = await createOrg(sql)
  const busy = await insertEndpoint(sql, orgId)
  const quiet = await insertEndpoint(sql, orgId)
  await insertDeliveries(sql, busy, [...Array.from({ length: 25 }, () => 40), 29, 1])
  await insertDeliveries(sql, quiet, [300, 200, 100]) // nothing for months: its last delivery is what its view shows
  const pruned = await pruneCounted(sql, (counted) => pruneDeliveries(counted, 30, 10))
  expect(pruned.deleted).toBeGreaterThanOrEqual(27) // plus any old rows other tests left
  expect(pruned.batches.length).toBeGreaterThanOrEqual(3)
  expect(Math.max(...pruned.batches)).toBe(10)
  expect(pruned.metricsMoved).toBe(0) // /metrics counts what was delivered, deleted or not
  expect(await deliveredEvents(sql, busy)).toEqual(['e25', 'e26'])
  expect(await deliveredEvents(sql, quiet)).toEqual(['e2'])
  expect((await endpointProgress(sql, [quiet])).get(quiet)!.lastDelivery).toMatchObject({ ok: true })
  expect(await pruneDeliveries(sql, 30, 10)).toBe(0)
})
