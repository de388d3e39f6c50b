// The provisioning log: every SCIM call and every bridge change, newest first, filtered
// by what the URL says (a filtered view is a link), each row opening onto its redacted
// request and response, and the filtered rows as a CSV download.
import { useEffect, useState } from 'preact/hooks'
import { API, get, query } from '../api'
import { timestamp } from '../format'
import { Field, Link, Pager, Show, useCursor, useLoad } from '../ui'
import type { OrgPage } from './organization'
import { PAGE, type Page, scimPath, Source, useBridges, useFilters } from './users'

type LogEvent = {
  id: string
  source: 'scim' | 'bridge'
  bridgeId: string | null
  method: string
  path: string
  status: number
  requestBody: unknown
  responseBody: unknown
  error: string | null
  userId: string | null
  userName: string | null
  ip: string | null
  userAgent: string | null
  durationMs: number | null
  createdAt: string
}

const FILTERS = ['method', 'status', 'userName', 'since', 'until', 'source'] as const

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']

export const ProvisioningLog: OrgPage = ({ org }) => {
  const filters = useFilters(FILTERS)
  const f = filters.values
  const page = useCursor([filters.key])
  const bridges = useBridges(org.id)
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set())
  const events = useLoad(() => get<Page<LogEvent>>(`/organizations/${org.id}/scim-events${query({ ...f, limit: PAGE, cursor: page.cursor })}`), [org.id, filters.key, page.cursor])
  const toggle = (id: string) =>
    setOpen((s) => {
      const next = new Set(s)
      if (!next.delete(id)) next.add(id)
      return next
    })
  return (
    <section>
      <h2>Provisioning log</h2>
      <form class="filters" role="search" aria-label="log" onSubmit={(e) => e.preventDefault()}>
        <Field label="Method">
          <select value={f.method} onChange={(e) => filters.set({ method: e.currentTarget.value })}>
            <option value="">any</option>
            {METHODS.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </Field>
        <Field label="Status">
          <FilterInput class="short" list="status-classes" placeholder="4xx or 409" value={f.status} onCommit={(status) => filters.set({ status })} />
          <datalist id="status-classes">
            <option value="2xx" />
            <option value="4xx" />
            <option value="5xx" />
          </datalist>
        </Field>
        <Field label="userName">
          <FilterInput placeholder="exact, any case" value={f.userName} onCommit={(userName) => filters.set({ userName })} />
        </Field>
        <Field label="Source">
          <select value={f.source} onChange={(e) => filters.set({ source: e.currentTarget.value })}>
            <option value="">any</option>
            <option value="scim">SCIM</option>
            <option value="bridge">bridge</option>
          </select>
        </Field>
        <Field label="Since">
          <FilterInput type="datetime-local" value={localInput(f.since)} onCommit={(v) => filters.set({ since: fromLocalInput(v) })} />
        </Field>
        <Field label="Until">
          <FilterInput type="datetime-local" value={localInput(f.until)} onCommit={(v) => filters.set({ until: fromLocalInput(v) })} />
        </Field>
        {filters.any && (
          <button type="button" class="secondary" onClick={filters.clear}>
            Clear filters
          </button>
        )}
      </form>
      <p class="export">
        {/* A plain download: the session cookie authenticates GETs. */}
        <a href={`${API}/organizations/${org.id}/scim-events.csv${query({ ...f })}`} download>
          Export CSV
        </a>{' '}
        <small class="muted">the rows these filters match, from Since (else 30 days ago) to Until (else now), at most a year</small>
      </p>
      <Show loaded={events}>
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <p class="muted">{filters.any ? 'No call matches these filters.' : 'Nothing recorded yet: SCIM calls and bridge changes appear here.'}</p>
          ) : (
            <>
              <table class="list wrap log">
                <thead>
                  <tr>
                    <th>Time</th>
                    <th>Method</th>
                    <th>Path</th>
                    <th class="num">Status</th>
                    <th>userName</th>
                    <th>Source</th>
                    <th>
                      <span class="visually-hidden">Details</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((e) => {
                    const expanded = open.has(e.id)
                    return [
                      <tr key={e.id} class={expanded ? 'expanded' : undefined} data-event={e.id}>
                        <td data-label="Time">
                          <time dateTime={e.createdAt}>{timestamp(e.createdAt)}</time>
                        </td>
                        <td data-label="Method">{e.method}</td>
                        <td data-label="Path">
                          <code title={e.path}>{scimPath(e.path)}</code>
                        </td>
                        <td data-label="Status" class={`num status-${Math.floor(e.status / 100)}xx`}>
                          {e.status}
                        </td>
                        <td data-label="userName">
                          {e.userName === null ? <span class="muted">—</span> : e.userId ? <Link href={`/console/orgs/${org.id}/users/${e.userId}`}>{e.userName}</Link> : e.userName}
                        </td>
                        <td data-label="Source">
                          <Source org={org.id} source={e.source} bridgeId={e.bridgeId} bridges={bridges} />
                        </td>
                        <td data-label="Details">
                          <button type="button" class="secondary small" aria-expanded={expanded} aria-controls={`event-${e.id}`} onClick={() => toggle(e.id)}>
                            {expanded ? 'Hide' : 'Details'}
                          </button>
                        </td>
                      </tr>,
                      expanded && (
                        <tr key={`${e.id}-details`} id={`event-${e.id}`} class="expanded details">
                          <td colSpan={7}>
                            <Details event={e} />
                          </td>
                        </tr>
                      ),
                    ]
                  })}
                </tbody>
              </table>
              <Pager hasPrevious={page.hasPrevious} next={nextCursor} onPrevious={page.previous} onNext={page.next} />
            </>
          )
        }
      </Show>
    </section>
  )
}

/**
 * A text filter that applies when it changes (Enter, or leaving the field), so a half-typed
 * status asks nothing. What is typed is its own state: a list arriving meanwhile re-renders
 * the page without wiping it.
 */
function FilterInput({ value, onCommit, ...rest }: { value: string; onCommit: (value: string) => void; type?: string; list?: string; placeholder?: string; class?: string }) {
  const [text, setText] = useState(value)
  // Back, forward and "Clear filters" change the URL under the field.
  useEffect(() => setText(value), [value])
  return <input {...rest} value={text} onInput={(e) => setText(e.currentTarget.value)} onChange={(e) => onCommit(e.currentTarget.value.trim())} />
}

/** What the audit row holds beyond the table: the bodies (redacted when stored), the error, who called. */
function Details({ event: e }: { event: LogEvent }) {
  return (
    <div class="event-details">
      {e.error && (
        <p>
          <strong>Error:</strong> {e.error}
        </p>
      )}
      <dl class="facts wrap">
        <dt>Path</dt>
        <dd>
          <code>{e.path}</code>
        </dd>
        <dt>From</dt>
        <dd>{e.ip ?? <span class="muted">—</span>}</dd>
        <dt>User agent</dt>
        <dd>{e.userAgent ?? <span class="muted">—</span>}</dd>
        <dt>Duration</dt>
        <dd>{e.durationMs === null ? <span class="muted">—</span> : `${e.durationMs.toFixed(1)} ms`}</dd>
      </dl>
      <h4>Request body</h4>
      <Body value={e.requestBody} />
      <h4>Response body</h4>
      <Body value={e.responseBody} />
    </div>
  )
}

/** A body as text: JSON pretty-printed, anything else (a truncated body) as stored. */
function Body({ value }: { value: unknown }) {
  if (value === null || value === undefined) return <p class="muted">(no body)</p>
  return <pre>{typeof value === 'string' ? value : JSON.stringify(value, null, 2)}</pre>
}

const pad = (n: number) => String(n).padStart(2, '0')

/** An ISO timestamp from the URL as a datetime-local value (the browser's zone). */
function localInput(iso: string): string {
  const d = new Date(iso)
  if (!iso || Number.isNaN(d.getTime())) return ''
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A datetime-local value (local time, no zone) as the ISO timestamp the API wants. */
function fromLocalInput(value: string): string {
  return value ? new Date(value).toISOString() : ''
}
