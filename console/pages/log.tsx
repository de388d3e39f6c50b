// The provisioning log: every SCIM call and every bridge change, newest first, filtered
// by what the URL says (a filtered view is a link), each row opening onto its redacted
// request and response, and the filtered rows as a CSV download.
import { useState } from 'preact/hooks'
import { API, get, type Json, type Page, query } from '../api'
import { FilterForm, FilterInput, FilterSelect, useFilters } from '../filters'
import { timestamp } from '../format'
import { type Column, Fact, Field, Link, PagedTable, useCursor, useLoad } from '../ui'
import type { EventItem } from '../../server/audit/reader'
import type { OrgPage } from './organization'
import { PAGE, scimPath, Source, useBridges } from './users'

type LogEvent = Json<EventItem>

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
  const columns: Column<LogEvent>[] = [
    { label: 'Time', cell: (e) => <time dateTime={e.createdAt}>{timestamp(e.createdAt)}</time> },
    { label: 'Method', cell: (e) => e.method },
    { label: 'Path', cell: (e) => <code title={e.path}>{scimPath(e.path)}</code> },
    { label: 'Status', num: true, cell: (e) => e.status, attrs: (e) => ({ class: `status-${Math.floor(e.status / 100)}xx` }) },
    {
      label: 'userName',
      cell: (e) => (e.userName === null ? <span class="muted">—</span> : e.userId ? <Link href={`/console/orgs/${org.id}/users/${e.userId}`}>{e.userName}</Link> : e.userName),
    },
    { label: 'Source', cell: (e) => <Source org={org.id} source={e.source} bridgeId={e.bridgeId} bridges={bridges} /> },
    {
      label: 'Details',
      hidden: true,
      cell: (e) => (
        <button type="button" class="secondary small" aria-expanded={open.has(e.id)} aria-controls={`event-${e.id}`} onClick={() => toggle(e.id)}>
          {open.has(e.id) ? 'Hide' : 'Details'}
        </button>
      ),
    },
  ]
  return (
    <section>
      <h2>Provisioning log</h2>
      <FilterForm label="log" filters={filters}>
        <FilterSelect label="Method" value={f.method} options={METHODS} onChange={(method) => filters.set({ method })} />
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
        <FilterSelect label="Source" value={f.source} options={{ scim: 'SCIM', bridge: 'bridge' }} onChange={(source) => filters.set({ source })} />
        <Field label="Since">
          <FilterInput type="datetime-local" value={localInput(f.since)} onCommit={(v) => filters.set({ since: fromLocalInput(v) })} />
        </Field>
        <Field label="Until">
          <FilterInput type="datetime-local" value={localInput(f.until)} onCommit={(v) => filters.set({ until: fromLocalInput(v) })} />
        </Field>
      </FilterForm>
      <p class="export">
        {/* A plain download: the session cookie authenticates GETs. */}
        <a href={`${API}/organizations/${org.id}/scim-events.csv${query({ ...f })}`} download>
          Export CSV
        </a>{' '}
        <small class="muted">the rows these filters match, from Since (else 30 days ago) to Until (else now), at most a year</small>
      </p>
      <PagedTable
        loaded={events}
        page={page}
        class="wrap log"
        empty={filters.any ? 'No call matches these filters.' : 'Nothing recorded yet: SCIM calls and bridge changes appear here.'}
        columns={columns}
        row={(e, cells) => (
          <>
            <tr class={open.has(e.id) ? 'expanded' : undefined} data-event={e.id}>
              {cells}
            </tr>
            {open.has(e.id) && (
              <tr id={`event-${e.id}`} class="expanded details">
                <td colSpan={columns.length}>
                  <Details event={e} />
                </td>
              </tr>
            )}
          </>
        )}
      />
    </section>
  )
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
        <Fact label="Path">
          <code>{e.path}</code>
        </Fact>
        <Fact label="From">{e.ip}</Fact>
        <Fact label="User agent">{e.userAgent}</Fact>
        <Fact label="Duration">{e.durationMs === null ? null : `${e.durationMs.toFixed(1)} ms`}</Fact>
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
