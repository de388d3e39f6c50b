// What the Temporal UI shows of a bridge's and a webhook endpoint's workflow, read back
// through the client as the UI reads it: the static summary and details of the start, and
// the current details the workflow answers `__temporal_workflow_metadata` with, after a
// sync and after failures. Names and errors from outside arrive escaped, never as markup.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { workflowMetadataQuery } from '@temporalio/workflow'
import { bridgeWorkflowId } from '../../../bridge/messages'
import { webhookWorkflowId } from '../../../webhook/messages'
import { FakeGraph } from '../../fixtures/fake-graph'
import { WebhookReceiver } from '../../fixtures/webhook-receiver'
import { admin, newOrg, type Reply } from '../../support'
import { client, userBody } from '../server/scim/helpers'
import { eventually, harness, untilState, type Harness } from './bridge/harness'

let h: Harness
const graph = new FakeGraph().populate(3)
const receiver = new WebhookReceiver()

beforeAll(async () => {
  h = await harness('metadata')
})
afterAll(async () => {
  await h?.stop()
  graph.stop()
  receiver.stop()
})

/** What the workflow list and page show. */
async function metadata(workflowId: string) {
  const handle = h.temporal.client.workflow.getHandle(workflowId)
  const description = await handle.describe()
  return {
    summary: await description.staticSummary(),
    details: await description.staticDetails(),
    current: (await handle.query(workflowMetadataQuery)).currentDetails ?? '',
  }
}

const ISO_UTC = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/

test('a bridge: "organization · provider" as summary, its name, state, last sync, failures and next retry as details', async () => {
  const { orgId } = await newOrg(h.app, 'Acme [evil](https://evil.example) <b>x</b>')
  const created: Reply = await admin(h.app)('POST', `/organizations/${orgId}/bridges`, {
    provider: 'microsoft-entra', name: 'Entra *EU*', settings: graph.settings(), intervalSeconds: 3600, retry: { initialIntervalSeconds: 60 },
  })
  expect(created.status).toBe(201)
  const id = created.body.id as string
  await untilState(h, id, 'active')

  const synced = await eventually(() => metadata(bridgeWorkflowId(id)), (m) => m.current.includes('active'), 'details after the sync')
  // Markdown-significant characters escaped: no link, no HTML, no emphasis.
  expect(synced.summary).toBe('Acme \\[evil\\]\\(https\\://evil\\.example\\) \\<b\\>x\\</b\\> · microsoft\\-entra')
  expect(synced.details).toContain('**Provider:** microsoft\\-entra')
  expect(synced.details).toContain(id)
  // The current details repeat the summary: the static one is gone after a continue-as-new.
  const [title, state] = synced.current.split('\n\n')
  expect(title).toBe(synced.summary)
  expect(state).toMatch(new RegExp(`^- \\*\\*Name:\\*\\* Entra \\\\\\*EU\\\\\\*\\n- \\*\\*State:\\*\\* active\\n- \\*\\*Last sync:\\*\\* ${ISO_UTC.source}\\n- \\*\\*Next sync:\\*\\* ${ISO_UTC.source}$`))
  const { lastSyncAt } = (await h.api('GET', `/bridges/${id}`)).body
  expect(synced.current).toContain(`**Last sync:** ${lastSyncAt.slice(0, 10)}`)

  // The source fails: the details say so, with the failure count, the error and the next retry.
  graph.failNext(5, 500)
  expect((await h.api('POST', `/bridges/${id}/sync`)).status).toBe(200)
  const failed = await eventually(() => metadata(bridgeWorkflowId(id)), (m) => m.current.includes('**State:** failed'), 'details after a failure')
  expect(failed.current).toMatch(/\*\*State:\*\* failed · \d+ consecutive failures?/)
  expect(failed.current).toMatch(new RegExp(`\\*\\*Next retry:\\*\\* ${ISO_UTC.source}`))
  expect(failed.current).toContain('**Last error:** ')
  expect(failed.current.split('**Last error:** ')[1]).not.toMatch(/(^|[^\\])[[\]<>*_`]/)
  expect(failed.current).toContain(`**Last sync:** ${lastSyncAt.slice(0, 10)}`) // the last good one
  expect(failed.summary).toBe(synced.summary)

  // Renamed by an admin: the details follow at once, and so does the memo the next run starts from.
  expect((await h.api('PATCH', `/bridges/${id}`, { name: 'Entra EU (prod)' })).status).toBe(200)
  const renamed = await metadata(bridgeWorkflowId(id))
  expect(renamed.current).toContain('**Name:** Entra EU \\(prod\\)')
  expect(renamed.summary).toBe(synced.summary)
  // The workflow's memo (the Temporal UI shows it) follows too: the new name, the last sync.
  const memo = async () => (await h.temporal.client.workflow.getHandle(bridgeWorkflowId(id)).describe()).memo as Record<string, unknown>
  expect(await memo()).toMatchObject({ provider: 'microsoft-entra', name: 'Entra EU (prod)', lastSyncAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/) })
  // The workflow's clock when the sync returned, against the row's: the same moment, near enough.
  expect(Math.abs(Date.parse((await memo()).lastSyncAt as string) - Date.parse(lastSyncAt))).toBeLessThan(5000)
  expect((await h.api('PATCH', `/bridges/${id}`, { name: null })).status).toBe(200)
  expect((await metadata(bridgeWorkflowId(id))).current).not.toContain('**Name:**')
  expect(await memo()).not.toHaveProperty('name')
}, 60_000)

test('a webhook endpoint: "organization · webhook" as summary, its URL (no query), state, deliveries and failures as details', async () => {
  const { orgId, token } = await newOrg(h.app, 'Acme Webhooks')
  const res: Reply = await h.api('POST', `/organizations/${orgId}/webhooks`, {
    url: `${receiver.url}?token=not-for-the-ui`, retry: { initialIntervalSeconds: 1, maximumIntervalSeconds: 1, maxConsecutiveFailures: 2 },
  })
  expect(res.status).toBe(201)
  receiver.secret = res.body.secret
  const workflowId = webhookWorkflowId(res.body.id)
  const scim = client(h.app, token)

  await scim('POST', '/Users', userBody())
  const delivered = await eventually(() => metadata(workflowId), (m) => m.current.includes('Last delivery'), 'details after a delivery')
  const { host, pathname } = new URL(receiver.url)
  const shown = (path: string) => `http\\://${host.replaceAll('.', '\\.').replace(':', '\\:')}${path.replaceAll('.', '\\.')}`
  expect(delivered.summary).toBe('Acme Webhooks · webhook')
  expect(delivered.details).toContain(res.body.id)
  expect(delivered.current).toMatch(new RegExp(`^Acme Webhooks · webhook\\n\\n- \\*\\*URL:\\*\\* .+\\n- \\*\\*State:\\*\\* active\\n- \\*\\*Last delivery:\\*\\* 1 event at ${ISO_UTC.source}$`))
  expect(delivered.current).toContain(`**URL:** ${shown(pathname)}\n`)
  expect(JSON.stringify(delivered)).not.toContain('not-for-the-ui')

  // A new URL: the details show it at once (without its query), and deliveries go there.
  expect((await h.api('PATCH', `/webhooks/${res.body.id}`, { url: `${receiver.url}/moved?token=also-secret` })).status).toBe(200)
  const moved = await metadata(workflowId)
  expect(moved.current).toContain(`**URL:** ${shown(`${pathname.replace(/\/$/, '')}/moved`)}\n`)
  expect(moved.current).not.toContain('also-secret')
  expect((await h.temporal.client.workflow.getHandle(workflowId).describe()).memo).toMatchObject({ url: `${receiver.url}/moved` })
  expect(moved.summary).toBe(delivered.summary)
  await scim('POST', '/Users', userBody())
  await eventually(async () => receiver.received.at(-1)?.path, (path) => path === '/hooks/moved', 'a delivery to the new URL')

  // The receiver stays down: the endpoint is disabled at its second failure, and the details say why.
  receiver.failing = true
  await scim('POST', '/Users', userBody())
  const disabled = await eventually(() => metadata(workflowId), (m) => m.current.includes('**State:** disabled'), 'details after the endpoint is disabled')
  expect(disabled.current).toContain('**State:** disabled · 2 consecutive failures')
  expect(disabled.current).toContain('Disabled: nothing is delivered until an admin enables the endpoint.')
  expect(disabled.current).toContain('**Last error:** ')
  receiver.failing = false
}, 60_000)
