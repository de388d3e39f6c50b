// A webhook endpoint's workflow runs for as long as the endpoint exists: on a Temporal of
// this file's own that suggests continue-as-new after 30 history events, bursts of events
// take it through several runs, and every event still arrives once, in order.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import type { WorkflowExecutionInfo } from '@temporalio/client'
import { startTemporal } from '../../../dev/services'
import { webhookWorkflowId } from '../../../webhook/messages'
import { WebhookReceiver } from '../../fixtures/webhook-receiver'
import { newOrg, type Reply } from '../../support'
import { client, userBody } from '../server/scim/helpers'
import { eventually, harness, type Harness } from './bridge/harness'

let temporalDev: Awaited<ReturnType<typeof startTemporal>> | undefined
let h: Harness
const receiver = new WebhookReceiver()

beforeAll(async () => {
  temporalDev = await startTemporal({ dbFile: null, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 30 } })
  h = await harness('webhook-continue-as-new', { temporalAddress: temporalDev.address })
}, 240_000)

afterAll(async () => {
  receiver.stop()
  await h?.stop()
  await temporalDev?.stop()
})

test('bursts of events take the workflow through continue-as-new; nothing is lost or repeated out of order', async () => {
  const { orgId, token } = await newOrg(h.app)
  const created: Reply = await h.api('POST', `/organizations/${orgId}/webhooks`, { url: receiver.url })
  receiver.secret = created.body.secret
  const id = created.body.id
  const scim = client(h.app, token)
  // Each burst is one delivery activity (a few history events): twelve of them outgrow 30 events.
  for (let burst = 0; burst < 12; burst++) {
    for (let i = 0; i < 5; i++) await scim('POST', '/Users', userBody())
    await eventually(async () => receiver.uniqueIds().length, (n) => n >= (burst + 1) * 5, `burst ${burst} delivered`)
  }
  const expected = ((await h.api('GET', `/organizations/${orgId}/events?limit=1000`)).body.items as { id: string }[]).map((e) => e.id)
  expect(expected).toHaveLength(60)
  expect(receiver.uniqueIds()).toEqual(expected)

  const runs = await eventually(async () => {
    const found: WorkflowExecutionInfo[] = []
    for await (const run of h.temporal.client.workflow.list({ query: `WebhookId = "${id}"` })) found.push(run)
    return found
  }, (found) => found.filter((r) => r.status.name === 'CONTINUED_AS_NEW').length >= 1, 'a continue-as-new')
  expect(new Set(runs.map((r) => r.workflowId))).toEqual(new Set([webhookWorkflowId(id)]))
  // The running one carries the search attributes and answers actions.
  const running = await eventually(async () => {
    const found: WorkflowExecutionInfo[] = []
    for await (const run of h.temporal.client.workflow.list({ query: `WebhookId = "${id}" AND WebhookState = "active" AND ExecutionStatus = "Running"` })) found.push(run)
    return found
  }, (found) => found.length === 1, 'the running run, listed by its search attributes')
  expect(running[0]!.workflowId).toBe(webhookWorkflowId(id))
  expect((await h.api('POST', `/webhooks/${id}/pause`)).body.state).toBe('paused')
  expect((await h.api('POST', `/webhooks/${id}/resume`)).body.state).toBe('active')
}, 120_000)
