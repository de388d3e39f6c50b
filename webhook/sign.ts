// Standard Webhooks signatures (standardwebhooks.com): the secret is `whsec_` + base64
// of random bytes; each delivery carries webhook-id, webhook-timestamp (Unix seconds)
// and webhook-signature `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.
import { createHmac, randomBytes } from 'node:crypto'

const PREFIX = 'whsec_'

export function newWebhookSecret(): string {
  return PREFIX + randomBytes(24).toString('base64')
}

export function signature(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64')
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`
}

/** The headers of one delivery of `body` as message `id`, signed now. */
export function signedHeaders(secret: string, id: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = Math.floor(now / 1000)
  return {
    'content-type': 'application/json',
    'user-agent': 'scim-bridge-webhooks/1',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signature(secret, id, timestamp, body),
  }
}
