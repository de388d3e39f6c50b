// A webhook endpoint's side effects: deliver the organization's next events to it, in
// order, and persist how far it got; and the workflow's status writes. A failed
// delivery counts one consecutive failure and throws: Temporal's retry policy (the
// endpoint's backoff, workflows/webhook.ts) sends it again; at the endpoint's limit it
// is disabled and the failure is non-retryable.
import { ApplicationFailure, activityInfo, Context, heartbeat } from '@temporalio/activity'
import { parseSecretsKey } from '../bridge/secrets'
import type { Sql } from '../server/db/client'
import { eventId, readFeed, seqOf } from '../server/events/feed'
import { eventWaiter } from '../server/events/waiter'
import type { Log } from '../server/log'
import { Deadlines, send } from '../webhook/send'
import { type Delivery, findEndpoint, openSecret, recordDeliveries, saveStatus } from '../webhook/store'
import { DEFAULT_WEBHOOK_RETRY, type WebhookStatus } from '../webhook/messages'

export interface WebhookActivityDeps {
  sql: Sql
  log: Log
  secretsKey: string | undefined
  allowPrivate: boolean
}

/** Events read and sent per activity run: a run costs Temporal a few round trips, spread over the batch. */
const BATCH = 1000
/** Heartbeats (which also deliver a cancellation) every this many events. */
const HEARTBEAT_EVERY = 50
/** How long a run waits for a first event before it returns (the workflow calls again). */
const WAIT_MS = 20_000
/** Heartbeats while it waits: well inside the 30 s heartbeat timeout. */
const HEARTBEAT_MS = 5_000

export interface DeliverInput {
  endpointId: string
}

export function createWebhookActivities(deps: WebhookActivityDeps) {
  const { sql } = deps

  async function deliverWebhooks(input: DeliverInput): Promise<{ delivered: number; status: WebhookStatus }> {
    const signal = Context.current().cancellationSignal
    const started = await findEndpoint(sql, input.endpointId)
    if (!started) throw ApplicationFailure.create({ message: `webhook endpoint ${input.endpointId} no longer exists`, type: 'WebhookMissing', nonRetryable: true })
    const status = { state: started.state, consecutiveFailures: started.consecutiveFailures, lastError: started.lastError }
    if (started.state !== 'active') return { delivered: 0, status }

    const readNext = () => readFeed(sql, started.organizationId, { after: eventId(started.cursorSeq), limit: BATCH }).then((page) => page.items)
    let events = await readNext()
    for (const deadline = Date.now() + WAIT_MS; !events.length && Date.now() < deadline && !signal.aborted; ) {
      heartbeat()
      const woken = await eventWaiter(sql).until(started.organizationId, started.cursorSeq, Math.min(HEARTBEAT_MS, deadline - Date.now()), signal)
      if (woken !== null) events = await readNext()
    }

    // Paused, re-pointed or given a new secret while this run waited: the admin's word
    // holds from its answer on (a rotated secret signs the very next delivery).
    const row = events.length ? await findEndpoint(sql, started.id) : started
    if (row?.state !== 'active') return { delivered: 0, status }
    const secret = openSecret(row, parseSecretsKey(deps.secretsKey))

    let cursor: string | null = null
    let failure: string | null = null
    const log: Delivery[] = []
    const { attempt } = activityInfo()
    const deadlines = new Deadlines()
    try {
      for (const event of events) {
        if (signal.aborted) break
        if (row.eventTypes && !row.eventTypes.includes(event.type)) {
          cursor = seqOf(event.id, 'event')
          continue
        }
        const sent = await send(row.url, secret, event.id, JSON.stringify(event), { allowPrivate: deps.allowPrivate, deadlines })
        log.push({ eventId: event.id, eventType: event.type, attempt, ...sent })
        if (!sent.ok) {
          failure = `${event.id}: ${sent.error}`
          break
        }
        cursor = seqOf(event.id, 'event')
        if (log.length % HEARTBEAT_EVERY === 0) heartbeat()
      }
    } finally {
      deadlines.close()
    }

    const retry = { ...DEFAULT_WEBHOOK_RETRY, ...row.retry }
    const failures = failure ? row.consecutiveFailures + 1 : 0
    const disabled = failure !== null && failures >= retry.maxConsecutiveFailures
    const saved = await sql.begin(async (tx) => {
      await recordDeliveries(tx, row.id, log)
      return saveStatus(tx, row.id, {
        consecutiveFailures: failures,
        lastError: failure,
        ...(cursor !== null ? { cursorSeq: Number(cursor) } : {}),
        ...(disabled ? { state: 'disabled' as const } : {}),
      })
    })
    const next = saved ?? status
    // The endpoint's URL stays out of the log: some receivers (chat webhooks) take a secret in it.
    const outcome = { endpointId: row.id, organizationId: row.organizationId, attempted: log.length, consecutiveFailures: failures, error: failure?.replaceAll(row.url, '<endpoint url>') }
    if (failure) deps.log.warn(disabled ? 'webhook endpoint disabled after repeated failures' : 'webhook delivery failed; Temporal retries it', outcome)
    else if (log.length) deps.log.info('webhook events delivered', outcome)
    if (disabled) {
      throw ApplicationFailure.create({
        message: `disabled after ${failures} consecutive failed deliveries; last: ${failure}`, type: 'WebhookDisabled', nonRetryable: true, details: [next],
      })
    }
    if (failure) throw ApplicationFailure.create({ message: `delivery failed (${failures} in a row): ${failure}`, type: 'DeliveryFailed' })
    return { delivered: log.length, status: next }
  }

  async function saveWebhookStatus(input: { endpointId: string } & Partial<WebhookStatus> & { cursorSeq?: number }): Promise<WebhookStatus> {
    const { endpointId, ...patch } = input
    const saved = await saveStatus(sql, endpointId, patch)
    if (!saved) throw ApplicationFailure.create({ message: `webhook endpoint ${endpointId} no longer exists`, type: 'WebhookMissing', nonRetryable: true })
    return saved
  }

  return { deliverWebhooks, saveWebhookStatus }
}
