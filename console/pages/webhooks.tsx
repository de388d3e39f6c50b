// An organization's webhook endpoints: the list with each one's state and how far behind
// it is, creating one (its signing secret shown once, with how to verify a delivery),
// and an endpoint's page: settings, actions, the delivery log, a test event and replay.
import { useState } from 'preact/hooks'
import { api, get, type Json, type Page, query } from '../api'
import { plural } from '../format'
import { navigate } from '../router'
import { useSession } from '../session'
import { Action, Badge, Fact, Failure, Field, Link, PagedTable, SecretOnce, Show, useCursor, useLoad, useTask, When } from '../ui'
import type { EventType } from '../../server/events/outbox'
import type { WebhookView } from '../../server/webhooks/service'
import type { Delivery, listDeliveries } from '../../webhook/store'
import type { OrgPage } from './organization'

// The server's list (server/events/outbox.ts), in the order the form shows them; the API refuses any other.
const EVENT_TYPES: EventType[] = [
  'user.created', 'user.updated', 'user.deactivated', 'user.reactivated', 'user.deleted',
  'group.created', 'group.updated', 'group.deleted', 'group.member_added', 'group.member_removed',
]

type Endpoint = Json<WebhookView>

/** A test event's delivery (POST /webhooks/:id/test). */
type Sent = Json<Delivery>

/** A row of the delivery log (GET /webhooks/:id/deliveries). */
type Logged = Json<Awaited<ReturnType<typeof listDeliveries>>[number]>

const REFRESH_MS = 5000

export const Webhooks: OrgPage = ({ org }) => {
  const endpoints = useLoad(() => get<{ items: Endpoint[] }>(`/organizations/${org.id}/webhooks`), [org.id], { every: REFRESH_MS })
  const [created, setCreated] = useState<{ id: string; url: string; secret: string }>()
  return (
    <section>
      <h2>Webhooks</h2>
      <p class="muted">
        Each endpoint receives this organization's directory events in order, at least once, signed with its own secret. A new endpoint receives what
        happens after its creation; replay sends earlier events again.
      </p>
      {created && (
        <SecretOnce title={`Endpoint created for ${created.url}. This is its signing secret.`} value={created.secret}>
          Your receiver needs it to verify each delivery (below). <Link href={`/console/orgs/${org.id}/webhooks/${created.id}`}>Open the endpoint →</Link>
        </SecretOnce>
      )}
      {created && <SigningHelp open />}
      <PagedTable
        loaded={endpoints}
        empty="No endpoint yet: add the first one below."
        columns={[
          {
            label: 'URL',
            cell: (w) => (
              <div>
                <Link href={`/console/orgs/${org.id}/webhooks/${w.id}`} class="mono">
                  {w.url}
                </Link>
                {w.description && <div class="muted">{w.description}</div>}
              </div>
            ),
          },
          { label: 'Events', cell: (w) => <EventTypes types={w.eventTypes} /> },
          { label: 'State', cell: (w) => <StateBadge w={w} /> },
          { label: 'Last delivery', cell: (w) => <LastDelivery w={w} /> },
          { label: 'Behind', cell: (w) => <Behind w={w} /> },
          { label: 'Created', cell: (w) => <When at={w.createdAt} /> },
        ]}
      />
      <h3>Add an endpoint</h3>
      <EndpointForm
        submit="Create endpoint"
        onSubmit={async (body) => {
          const w = await api<Endpoint & { secret: string }>('POST', `/organizations/${org.id}/webhooks`, body)
          setCreated({ id: w.id, url: w.url, secret: w.secret })
          endpoints.reload()
        }}
      />
      {!created && <SigningHelp />}
    </section>
  )
}

export const Webhook: OrgPage = ({ org, params }) => {
  const endpoint = useLoad(() => get<Endpoint>(`/webhooks/${params.id}`), [params.id], { every: REFRESH_MS })
  const [secret, setSecret] = useState<string>()
  const [editing, setEditing] = useState(false)
  const [tested, setTested] = useState<Sent>()
  const [replayFrom, setReplayFrom] = useState('')
  const [deliveriesShown, setDeliveriesShown] = useState(0)
  const refreshDeliveries = () => setDeliveriesShown((n) => n + 1)
  const act = (path: string) => async () => {
    await api('POST', `/webhooks/${params.id}/${path}`)
    endpoint.reload()
  }
  return (
    <section>
      <p class="crumbs">
        <Link href={`/console/orgs/${org.id}/webhooks`}>← Webhooks</Link>
      </p>
      <Show loaded={endpoint}>
        {(w) => (
          <>
            <h2 class="mono">{w.url}</h2>
            {w.description && <p>{w.description}</p>}
            <StatusBanner w={w} />
            {secret && (
              <SecretOnce title="New signing secret. The old one no longer signs anything." value={secret}>
                Your receiver must verify with it from now on: deliveries it rejects meanwhile are retried.
              </SecretOnce>
            )}
            <div class="row actions">
              <Action run={act('pause')} disabled={w.state !== 'active'} why={`only an active endpoint can be paused; this one is ${w.state}`}>
                Pause
              </Action>
              <Action run={act('resume')} disabled={w.state !== 'paused'} why={`only a paused endpoint can be resumed; this one is ${w.state}`}>
                Resume
              </Action>
              <Action run={act('enable')} disabled={w.state !== 'disabled'} why={`only a disabled endpoint can be enabled; this one is ${w.state}`}>
                Enable
              </Action>
              <Action
                run={async () => {
                  setTested(undefined)
                  setTested(await api('POST', `/webhooks/${params.id}/test`))
                  endpoint.reload()
                  refreshDeliveries()
                }}
              >
                Send test event
              </Action>
              <Action
                run={async () => {
                  setSecret((await api<{ secret: string }>('POST', `/webhooks/${params.id}/rotate-secret`)).secret)
                }}
                confirm={{
                  title: 'Rotate the signing secret?',
                  body: (
                    <p>
                      Deliveries are signed with the new secret from now on, and the old one is forgotten. Until your receiver has the new one it rejects
                      them: they are retried, and {plural(w.retry.maxConsecutiveFailures, 'consecutive failure')} disable the endpoint.
                    </p>
                  ),
                  yes: 'Rotate secret',
                }}
              >
                Rotate secret
              </Action>
              <button type="button" class="secondary" aria-expanded={editing} onClick={() => setEditing(!editing)}>
                {editing ? 'Close settings' : 'Edit settings'}
              </button>
              <Action
                danger
                run={async () => {
                  await api('DELETE', `/webhooks/${params.id}`)
                  navigate(`/console/orgs/${org.id}/webhooks`)
                }}
                confirm={{
                  title: 'Delete this endpoint?',
                  body: (
                    <>
                      <p>Deliveries to {w.url} stop at once, its workflow ends, and its delivery log is deleted.</p>
                      <p>The events stay in the organization's feed: a new endpoint can have them replayed.</p>
                    </>
                  ),
                  yes: 'Delete endpoint',
                }}
              >
                Delete
              </Action>
            </div>
            {tested && <TestResult d={tested} />}
            {editing && (
              <EndpointForm
                initial={w}
                submit="Save settings"
                onSubmit={async (body) => {
                  await api('PATCH', `/webhooks/${params.id}`, body)
                  setEditing(false)
                  endpoint.reload()
                }}
              />
            )}
            <Facts w={w} />
            <Replay
              w={w}
              from={replayFrom}
              onFrom={setReplayFrom}
              onDone={() => {
                endpoint.reload()
                refreshDeliveries()
              }}
            />
            <Deliveries id={w.id} refresh={deliveriesShown} onReplayFrom={setReplayFrom} />
          </>
        )}
      </Show>
    </section>
  )
}

function EventTypes({ types }: { types: string[] | null }) {
  if (!types) return <span>all events</span>
  return <span class="mono">{types.join(', ')}</span>
}

function StateBadge({ w }: { w: Pick<Endpoint, 'state' | 'consecutiveFailures'> }) {
  // An active endpoint whose deliveries fail is retrying: that deserves a word of its own.
  if (w.state === 'active' && w.consecutiveFailures > 0) return <Badge state="failed" label={`failing (${w.consecutiveFailures})`} />
  return <Badge state={w.state} />
}

function LastDelivery({ w }: { w: Endpoint }) {
  const d = w.lastDelivery
  if (!d) return <span class="muted">none yet</span>
  return (
    <span>
      <Badge state={d.ok ? 'delivered' : 'failed'} label={d.ok ? 'delivered' : 'failed'} /> {d.responseStatus ?? 'no answer'} · <When at={d.at} />
    </span>
  )
}

function Behind({ w }: { w: Endpoint }) {
  if (w.pendingEvents === 0) return <span>up to date</span>
  return (
    <span>
      {plural(w.pendingEvents, 'event')}, oldest <When at={w.oldestPendingAt} />
    </span>
  )
}

/** What is wrong and what happens next: failing deliveries, a disabled or paused endpoint. */
function StatusBanner({ w }: { w: Endpoint }) {
  const max = w.retry.maxConsecutiveFailures
  if (w.state === 'disabled') {
    return (
      <div class="banner error" role="alert">
        <strong>Disabled</strong> after {plural(w.consecutiveFailures, 'consecutive failed delivery', 'consecutive failed deliveries')}
        {w.lastError && <>; the last: {w.lastError}</>}. Nothing is sent until you enable it; it then resumes where it stopped, with nothing lost.
      </div>
    )
  }
  if (w.state === 'paused') {
    return (
      <div class="banner info" role="status">
        <strong>Paused.</strong> Events are held ({plural(w.pendingEvents, 'event')} so far) and sent in order when you resume.
      </div>
    )
  }
  if (w.consecutiveFailures > 0) {
    return (
      <div class="banner warn" role="alert">
        <strong>Failing:</strong> {w.consecutiveFailures} of {max} consecutive failures{w.lastError && <>; the last: {w.lastError}</>}. Temporal retries
        with backoff ({w.retry.initialIntervalSeconds} s doubling to {w.retry.maximumIntervalSeconds} s); at {max} the endpoint is disabled.
      </div>
    )
  }
  return null
}

function Facts({ w }: { w: Endpoint }) {
  const { temporalUi } = useSession()
  return (
    <div class="card">
      <dl class="facts">
        <Fact label="State">
          <StateBadge w={w} />
        </Fact>
        <Fact label="Events">
          <EventTypes types={w.eventTypes} />
        </Fact>
        <Fact label="Behind">
          <Behind w={w} />
        </Fact>
        <Fact label="Last delivery">
          <LastDelivery w={w} />
        </Fact>
        <Fact label="Position">
          {w.position ? <code>{w.position}</code> : <span class="muted">before the first event</span>}{' '}
          <small class="muted">(the last event it is past: sent, skipped by type, or before its creation)</small>
        </Fact>
        <Fact label="Retries">
          {w.retry.initialIntervalSeconds} s doubling to {w.retry.maximumIntervalSeconds} s; disabled after {plural(w.retry.maxConsecutiveFailures, 'consecutive failure')}
        </Fact>
        <Fact label="Workflow">
          {temporalUi ? (
            <a href={`${temporalUi.url}/namespaces/${encodeURIComponent(temporalUi.namespace)}/workflows/${encodeURIComponent(w.workflowId)}`} target="_blank" rel="noreferrer">
              {w.workflowId}
            </a>
          ) : (
            <code>{w.workflowId}</code>
          )}
        </Fact>
        <Fact label="Created">
          <When at={w.createdAt} />
        </Fact>
      </dl>
    </div>
  )
}

function TestResult({ d }: { d: Sent }) {
  return d.ok ? (
    <div class="banner info" role="status">
      <strong>Test event delivered:</strong> <code>{d.eventId}</code> answered {d.responseStatus} in {Math.round(d.latencyMs)} ms.
    </div>
  ) : (
    <div class="banner error" role="alert">
      <strong>Test event failed:</strong> {d.error}. Check that the URL is reachable from the server and that the receiver verifies with the current secret.
    </div>
  )
}

type EndpointBody = { url: string; eventTypes: string[] | null; description: string | null }

/** Create and edit: the URL, the event types (all, or a chosen few) and a description. */
function EndpointForm({ initial, submit, onSubmit }: { initial?: Endpoint; submit: string; onSubmit: (body: EndpointBody) => Promise<void> }) {
  const [url, setUrl] = useState(initial?.url ?? '')
  const [description, setDescription] = useState(initial?.description ?? '')
  const [all, setAll] = useState(!initial?.eventTypes)
  const [types, setTypes] = useState<string[]>(initial?.eventTypes ?? [])
  const save = useTask(async () => {
    await onSubmit({ url: url.trim(), eventTypes: all ? null : EVENT_TYPES.filter((t) => types.includes(t)), description: description.trim() || null })
    if (!initial) {
      setUrl('')
      setDescription('')
      setAll(true)
      setTypes([])
    }
  })
  const toggle = (t: string, on: boolean) => setTypes((ts) => (on ? [...ts, t] : ts.filter((x) => x !== t)))
  const incomplete = !url.trim() || (!all && types.length === 0)
  return (
    <form class="card" onSubmit={save.submit}>
      <Field label="URL" help="Where the events are POSTed. It must resolve to a public address (the server refuses private and loopback ones).">
        <input type="url" name="url" required maxLength={2000} placeholder="https://app.example.com/hooks/directory" value={url} onInput={(e) => setUrl(e.currentTarget.value)} />
      </Field>
      <Field label="Description" help="Optional: what receives these events.">
        <input name="description" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </Field>
      <fieldset class="event-types">
        <legend>Events</legend>
        <label>
          <input type="radio" name="all-events" checked={all} onChange={() => setAll(true)} /> All events, including types added later
        </label>
        <label>
          <input type="radio" name="all-events" checked={!all} onChange={() => setAll(false)} /> Only these:
        </label>
        <div class="checks">
          {EVENT_TYPES.map((t) => (
            <label key={t}>
              <input type="checkbox" disabled={all} checked={!all && types.includes(t)} onChange={(e) => toggle(t, e.currentTarget.checked)} /> <code>{t}</code>
            </label>
          ))}
        </div>
      </fieldset>
      {save.error && <Failure error={save.error} />}
      <button type="submit" disabled={save.busy || incomplete} title={incomplete ? 'fill in the URL and pick at least one event type' : undefined}>
        {save.busy ? '…' : submit}
      </button>
    </form>
  )
}

/** How a receiver checks a delivery, as webhook/sign.ts signs it (Standard Webhooks). */
function SigningHelp({ open }: { open?: boolean }) {
  return (
    <details class="signing" open={open}>
      <summary>How to verify a delivery's signature</summary>
      <p>Every delivery is a JSON POST with three headers (the Standard Webhooks specification):</p>
      <ul>
        <li>
          <code>webhook-id</code>: the event id (the same on a retry or replay: ignore one you have already processed);
        </li>
        <li>
          <code>webhook-timestamp</code>: when it was signed, in Unix seconds (refuse one more than 5 minutes off);
        </li>
        <li>
          <code>webhook-signature</code>: <code>v1,</code> followed by the base64 HMAC-SHA256 of <code>{'${webhook-id}.${webhook-timestamp}.${body}'}</code>, keyed with the
          bytes of the secret after <code>whsec_</code>, base64-decoded. Compare in constant time, over the raw body as received.
        </li>
      </ul>
      <pre>{VERIFY}</pre>
    </details>
  )
}

const VERIFY = `import { createHmac, timingSafeEqual } from 'node:crypto'

export function verify(secret: string, headers: Headers, body: string, now = Date.now()): boolean {
  const id = headers.get('webhook-id'), timestamp = headers.get('webhook-timestamp'), signatures = headers.get('webhook-signature')
  if (!id || !timestamp || !signatures || Math.abs(now / 1000 - Number(timestamp)) > 300) return false
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64')
  const expected = Buffer.from(createHmac('sha256', key).update(\`\${id}.\${timestamp}.\${body}\`).digest('base64'))
  return signatures.split(' ').some((s) => {
    const given = Buffer.from(s.replace(/^v1,/, ''))
    return s.startsWith('v1,') && given.length === expected.length && timingSafeEqual(given, expected)
  })
}`

const FIRST = 'evt_0000000000000000'
const EVENT_ID = /^evt_\d{16}$/

/** The id just before `id`: the API replays what comes *after* an id, the form asks where to start. */
function justBefore(id: string): string {
  const seq = BigInt(id.slice(4))
  return seq > 0n ? `evt_${(seq - 1n).toString().padStart(16, '0')}` : FIRST
}

function Replay({ w, from, onFrom, onDone }: { w: Endpoint; from: string; onFrom: (id: string) => void; onDone: () => void }) {
  const [sent, setSent] = useState<string>()
  const start = from.trim()
  const valid = start === '' || EVENT_ID.test(start)
  return (
    <div class="card replay">
      <h3>Replay</h3>
      <p class="muted">
        Sends again, in order, every event from the one you name on (of the types this endpoint wants), then carries on with new ones. Leave it empty to
        start from the organization's first event. Use "Resend from here" in the log below to pick one.
      </p>
      <div class="row">
        <Field label="From event id">
          <input id="replay-from" name="replay-from" placeholder="evt_0000000000000042" value={from} onInput={(e) => onFrom(e.currentTarget.value)} aria-invalid={!valid} />
        </Field>
        <Action
          disabled={!valid}
          why="an event id is evt_ and 16 digits, as the delivery log shows them"
          run={async () => {
            await api('POST', `/webhooks/${w.id}/replay`, { after: start ? justBefore(start) : FIRST })
            setSent(start || 'the first event')
            onDone()
          }}
          confirm={{
            title: 'Replay events?',
            body: (
              <p>
                The endpoint receives again every event from {start || "the organization's first one"} on. Receivers that ignore a <code>webhook-id</code> they
                have already processed are not affected.{w.state === 'paused' && ' It is paused: the events are sent when you resume it.'}
              </p>
            ),
            yes: 'Replay',
          }}
        >
          Replay
        </Action>
      </div>
      {sent && (
        <p role="status">
          Replaying from {sent}
          {w.state !== 'active' ? ` once the endpoint is active again (it is ${w.state})` : ''}.
        </p>
      )}
    </div>
  )
}

function Deliveries({ id, refresh, onReplayFrom }: { id: string; refresh: number; onReplayFrom: (eventId: string) => void }) {
  const page = useCursor([id])
  const log = useLoad(() => get<Page<Logged>>(`/webhooks/${id}/deliveries${query({ limit: 50, cursor: page.cursor })}`), [id, page.cursor, refresh], {
    every: REFRESH_MS,
  })
  return (
    <>
      <h3>Deliveries</h3>
      <PagedTable
        loaded={log}
        page={page}
        class="deliveries"
        empty="Nothing sent yet. Send a test event, or wait for a change in the directory."
        columns={[
          { label: 'Time', cell: (d) => <When at={d.createdAt} /> },
          {
            label: 'Event',
            cell: (d) => (
              <div>
                <code>{d.eventType}</code>
                <br />
                <small class="mono">{d.eventId}</small>
              </div>
            ),
          },
          { label: 'Attempt', num: true, cell: (d) => d.attempt },
          {
            label: 'Result',
            cell: (d) => (
              <span>
                <Badge state={d.ok ? 'delivered' : 'failed'} label={d.ok ? 'delivered' : 'failed'} /> {d.responseStatus ?? 'no answer'}
              </span>
            ),
          },
          { label: 'Latency', num: true, cell: (d) => `${Math.round(d.latencyMs)} ms` },
          {
            label: 'Answer or error',
            cell: (d) => (
              <div>
                {d.error && <div>{d.error}</div>}
                {d.responseExcerpt && <code class="excerpt">{d.responseExcerpt}</code>}
              </div>
            ),
          },
          {
            label: 'Replay',
            cell: (d) =>
              EVENT_ID.test(d.eventId) && (
                <button
                  type="button"
                  class="secondary small"
                  onClick={() => {
                    onReplayFrom(d.eventId)
                    document.getElementById('replay-from')?.focus()
                  }}
                >
                  Resend from here
                </button>
              ),
          },
        ]}
      />
    </>
  )
}
