// The activities' log lines name the workflow run they work for (activities/index.ts),
// through the real worker: a bridge sync and a webhook delivery.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { createLog } from '../../../server/log'
import { startWorker } from '../../../server/worker'
import { FakeGraph } from '../../fixtures/fake-graph'
import { WebhookReceiver } from '../../fixtures/webhook-receiver'
import { newOrg, testConfig } from '../../support'
import { createBridge, eventually, harness, untilState, type Harness } from '../workflows/bridge/harness'
import { client, userBody } from '../server/scim/helpers'

const lines: Record<string, any>[] = []
let h: Harness
let worker: Awaited<ReturnType<typeof startWorker>>
const graph = new FakeGraph().populate(2)
const receiver = new WebhookReceiver()

beforeAll(async () => {
  h = await harness('log-context', { worker: false })
  worker = await startWorker({ config: testConfig(h.env), sql: h.sql, log: createLog('info', (line) => void lines.push(JSON.parse(line))) })
})

afterAll(async () => {
  await worker?.stop()
  await h?.stop()
  graph.stop()
  receiver.stop()
})

const ofRun = { workflowId: expect.any(String), runId: expect.stringMatching(/^[0-9a-f-]{36}$/) }

test('a bridge sync logs with its workflow id and run id', async () => {
  const { bridge } = await createBridge(h, { provider: 'microsoft-entra', settings: graph.settings(), intervalSeconds: 3600 })
  await untilState(h, bridge.id, 'active')
  const synced = lines.find((l) => l.msg === 'bridge synced' && l.detail?.bridgeId === bridge.id)
  expect(synced).toMatchObject({ ...ofRun, workflowId: `bridge-${bridge.id}`, activity: 'syncBridge' })
})

test('a webhook delivery logs with its workflow id and run id, and without the endpoint URL', async () => {
  const { orgId, token } = await newOrg(h.app)
  const res = await h.api('POST', `/organizations/${orgId}/webhooks`, { url: receiver.url })
  receiver.secret = res.body.secret
  await client(h.app, token)('POST', '/Users', userBody())
  const delivered = await eventually(
    async () => lines.find((l) => l.msg === 'webhook events delivered' && l.detail?.endpointId === res.body.id),
    (l) => l !== undefined,
    'a delivery log line',
  )
  expect(delivered).toMatchObject({ ...ofRun, workflowId: `webhook-${res.body.id}`, activity: 'deliverWebhooks', detail: { organizationId: orgId } })
  expect(JSON.stringify(lines)).not.toContain(receiver.url)
})
