// Retention of bridge run history (pruneRuns), on the real Postgres.
import { expect, test } from 'bun:test'
import { pruneRuns, RUNS_KEPT } from '../../../bridge/store'
import { createOrg, migratedSql } from '../../support'
import { insertBridge, insertRuns, pruneCounted, range, runAges } from '../retention-helpers'

const sql = await migratedSql()

test('pruneRuns deletes finished runs past the retention in bounded batches; each bridge keeps its last runs and those running', async () => {
  expect(RUNS_KEPT).toBe(20) // the console's page of run history
  const orgId = await createOrg(sql)
  const [busy, idle, young] = [await insertBridge(sql, orgId), await insertBridge(sql, orgId), await insertBridge(sql, orgId)]
  await insertRuns(sql, orgId, busy, range(1, 30)) // 20 past the 10 days; the 10 oldest of them go
  await insertRuns(sql, orgId, busy, [100], 'running') // a run still open, however old, stays
  await insertRuns(sql, orgId, idle, range(200, 204)) // long stopped: its few last runs stay
  await insertRuns(sql, orgId, young, range(1, 8)) // none old
  const pruned = await pruneCounted(sql, (counted) => pruneRuns(counted, 10, 3))
  expect(pruned).toMatchObject({ metricsMoved: 0 }) // /metrics counts the syncs that ran, deleted or not
  expect(pruned.deleted).toBeGreaterThanOrEqual(10) // plus any old rows other tests left
  expect(pruned.batches.length).toBeGreaterThanOrEqual(4)
  expect(Math.max(...pruned.batches)).toBe(3)
  const kept = await runAges(sql, busy)
  expect(kept.map((r) => r.age)).toEqual([...range(1, 20), 100])
  expect(kept.at(-1)!.outcome).toBe('running')
  expect((await runAges(sql, idle)).map((r) => r.age)).toEqual(range(200, 204))
  expect((await runAges(sql, young)).length).toBe(8)
  expect(await pruneRuns(sql, 10, 3)).toBe(0)
})
