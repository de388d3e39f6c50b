// One signed POST to an endpoint, and what came of it (for the delivery log). Any 2xx
// is a delivery; anything else, a timeout or a refused address is a failure to retry.
import { firstLine } from '../server/temporal'
import { outboundFetch } from '../server/outbound'
import { signedHeaders } from './sign'
import type { Delivery } from './store'

const EXCERPT_BYTES = 256
export const SEND_TIMEOUT_MS = 10_000

export type Sent = Omit<Delivery, 'eventId' | 'eventType' | 'attempt'>

/**
 * One timer for many requests sent one after another, aborting the one that runs past
 * the limit. A timeout signal per request (AbortSignal.timeout) cost a third of the
 * delivery rate to a fast receiver, measured (bench/events.ts).
 */
export class Deadlines {
  private controller = new AbortController()
  private since = 0
  private readonly timer = setInterval(() => {
    if (this.since && performance.now() - this.since > SEND_TIMEOUT_MS) this.controller.abort(new DOMException('timed out', 'TimeoutError'))
  }, 250)

  /** The signal of the request starting now. */
  start(): AbortSignal {
    if (this.controller.signal.aborted) this.controller = new AbortController()
    this.since = performance.now()
    return this.controller.signal
  }

  done(): void {
    this.since = 0
  }

  close(): void {
    clearInterval(this.timer)
  }
}

export async function send(
  url: string, secret: string, messageId: string, body: string, opts: { allowPrivate: boolean; deadlines?: Deadlines },
): Promise<Sent> {
  const started = performance.now()
  const signal = opts.deadlines?.start() ?? AbortSignal.timeout(SEND_TIMEOUT_MS)
  try {
    const res = await outboundFetch(url, { method: 'POST', headers: signedHeaders(secret, messageId, body), body, signal }, { allowPrivate: opts.allowPrivate })
    const text = await res.text().catch(() => '')
    const ok = res.status >= 200 && res.status < 300
    opts.deadlines?.done()
    return {
      ok,
      responseStatus: res.status,
      latencyMs: performance.now() - started,
      responseExcerpt: text.slice(0, EXCERPT_BYTES) || null,
      error: ok ? null : `the endpoint answered ${res.status}`,
    }
  } catch (e) {
    const timedOut = (e as Error).name === 'TimeoutError' || (signal.reason as Error | undefined)?.name === 'TimeoutError'
    return {
      ok: false,
      responseStatus: null,
      latencyMs: performance.now() - started,
      responseExcerpt: null,
      error: timedOut ? `no answer within ${SEND_TIMEOUT_MS / 1000} s` : firstLine(e),
    }
  }
}
