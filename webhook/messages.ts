// The webhook workflow's contract, shared by the workflow, its activities and the admin
// API: its input, the status it reports, and its messages. Admin actions are Updates
// answered once the new state is persisted (the admin API shows what the workflow did).
import { defineQuery, defineUpdate } from '@temporalio/workflow'

export type WebhookState = 'active' | 'paused' | 'disabled'

/** Backoff between failed attempts (Temporal's retry policy) and the failures that disable the endpoint. */
export interface WebhookRetry {
  initialIntervalSeconds?: number
  maximumIntervalSeconds?: number
  maxConsecutiveFailures?: number
}

// A receiver down for an hour must not be given up on: 1 s doubling to 10 min is about
// 7 hours of retries before the 50th consecutive failure disables the endpoint.
export const DEFAULT_WEBHOOK_RETRY: Required<WebhookRetry> = { initialIntervalSeconds: 1, maximumIntervalSeconds: 600, maxConsecutiveFailures: 50 }

/** Why Temporal would refuse this retry as a retry policy (a first wait above its cap), or null. */
export function retryRefusal(retry: WebhookRetry): string | null {
  const { initialIntervalSeconds: first, maximumIntervalSeconds: cap } = { ...DEFAULT_WEBHOOK_RETRY, ...retry }
  return first > cap ? `retry: initialIntervalSeconds (${first}) is above maximumIntervalSeconds (${cap}); lower the first wait or raise the cap` : null
}

/**
 * The delivery activity's retry policy. The cap is never below the first wait: Temporal
 * throws on such a policy, which would fail every workflow task of the endpoint (the API
 * refuses it, and this holds for a row written some other way).
 */
export function deliveryRetryPolicy(retry: WebhookRetry) {
  const r = { ...DEFAULT_WEBHOOK_RETRY, ...retry }
  return { initialInterval: r.initialIntervalSeconds * 1000, backoffCoefficient: 2, maximumInterval: Math.max(r.initialIntervalSeconds, r.maximumIntervalSeconds) * 1000 }
}

export interface WebhookStatus {
  state: WebhookState
  consecutiveFailures: number
  lastError: string | null
}

export interface WebhookWorkflowInput {
  endpointId: string
  organizationId: string
  retry: WebhookRetry
  status: WebhookStatus
}

export const webhookWorkflowId = (endpointId: string) => `webhook-${endpointId}`

export const webhookStateQuery = defineQuery<WebhookStatus>('state')
export const pauseWebhookUpdate = defineUpdate<WebhookStatus>('pause')
export const resumeWebhookUpdate = defineUpdate<WebhookStatus>('resume')
export const enableWebhookUpdate = defineUpdate<WebhookStatus>('enable')
/** Re-sends from just after this event sequence number (0: from the first event). */
export const replayWebhookUpdate = defineUpdate<WebhookStatus, [number]>('replay')
/** What the Temporal UI shows of the endpoint that an admin may change: its URL without query, fragment or credentials. */
export interface WebhookLabel {
  url: string
}
/** The label is optional: updates recorded before it existed carry the retry only. */
export const configureWebhookUpdate = defineUpdate<WebhookStatus, [WebhookRetry, WebhookLabel?]>('configure')
