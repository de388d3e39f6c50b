// The real path: our worker (on Bun) polls the real Temporal dev server.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { TypedSearchAttributes } from '@temporalio/common'
import { startWorker } from '../../../server/worker'
import { connectTemporal, ensureSearchAttributes, type Temporal } from '../../../server/temporal'
import { createLog } from '../../../server/log'
import { BRIDGE_ID, BRIDGE_STATE, SEARCH_ATTRIBUTE_NAMES } from '../../../bridge/search-attributes'
import { migratedSql, testConfig } from '../../support'

const taskQueue = `test-${crypto.randomUUID()}`
const config = testConfig({ TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!, TEMPORAL_TASK_QUEUE: taskQueue })
let temporal: Temporal
let worker: Awaited<ReturnType<typeof startWorker>>

beforeAll(async () => {
  temporal = await connectTemporal(config)
  worker = await startWorker({ config, sql: await migratedSql(), log: createLog('error') })
})

afterAll(async () => {
  await worker?.stop()
  await temporal?.close()
})

test('a workflow runs on our Bun worker and returns its result', async () => {
  const result = await temporal.client.workflow.execute('ping', { taskQueue, workflowId: `ping-${crypto.randomUUID()}`, args: ['ci'] })
  expect(result).toMatch(/^pong ci from bun \d+\.\d+\.\d+, postgres \d+/)
})

test('our custom search attributes are registered and queryable', async () => {
  expect(await ensureSearchAttributes(temporal.connection, 'default', SEARCH_ATTRIBUTE_NAMES)).toEqual([])
  const { customAttributes } = await temporal.connection.operatorService.listSearchAttributes({ namespace: 'default' })
  for (const name of SEARCH_ATTRIBUTE_NAMES) expect(Object.keys(customAttributes ?? {})).toContain(name)

  const bridgeId = crypto.randomUUID()
  const workflowId = `bridge-${bridgeId}`
  await temporal.client.workflow.execute('ping', {
    taskQueue,
    workflowId,
    args: ['search'],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: BRIDGE_ID, value: bridgeId },
      { key: BRIDGE_STATE, value: 'active' },
    ]),
  })
  // Visibility is eventually consistent: poll briefly.
  let ids: string[] = []
  for (let i = 0; i < 50 && ids.length === 0; i++) {
    ids = []
    for await (const wf of temporal.client.workflow.list({ query: `BridgeId = "${bridgeId}"` })) ids.push(wf.workflowId)
    if (!ids.length) await Bun.sleep(200)
  }
  expect(ids).toEqual([workflowId])

  const none: string[] = []
  for await (const wf of temporal.client.workflow.list({ query: `BridgeId = "${crypto.randomUUID()}"` })) none.push(wf.workflowId)
  expect(none).toEqual([])
})
