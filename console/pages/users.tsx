// Users: the organization's directory (search, filters, pages) and one user's page with its
// attributes, groups and history told as sentences ("Deactivated by bridge okta, run
// 1a2b3c4d, because the directory no longer has them"). Also the pieces the log and the
// groups pages share: filters kept in the URL, a user's or an event's source.
import { type ComponentChildren, Fragment } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { get, query } from '../api'
import { timestamp } from '../format'
import { setParams, useLocation } from '../router'
import { Badge, Field, Link, Pager, Show, useCursor, useLoad, When } from '../ui'
import type { OrgPage } from './organization'

export type UserView = {
  id: string
  userName: string
  externalId: string | null
  active: boolean
  name: { givenName: string | null; familyName: string | null; formatted: string | null } | null
  displayName: string | null
  emails: { value?: string; type?: string; primary?: boolean }[] | null
  title: string | null
  department: string | null
  employeeNumber: string | null
  manager: { id: string } | null
  source: 'scim' | 'bridge' | 'manual'
  bridgeId: string | null
  createdAt: string
  updatedAt: string
  version: number
}

export type Page<T> = { items: T[]; nextCursor: string | null }

/** Rows per page of every list here. */
export const PAGE = 50

/** The page's filters, kept in the URL's query string: a filtered view is a link. */
export function useFilters<K extends string>(keys: readonly K[]) {
  const { params } = useLocation()
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ''])) as Record<K, string>
  return {
    values,
    any: keys.some((k) => values[k] !== ''),
    /** Changes with every filter: paging restarts on it. */
    key: keys.map((k) => values[k]).join('\n'),
    set(changes: Partial<Record<K, string>>) {
      const next = new URLSearchParams(location.search)
      for (const [k, v] of Object.entries(changes) as [K, string][]) v ? next.set(k, v) : next.delete(k)
      setParams(next)
    },
    clear() {
      setParams(new URLSearchParams())
    },
  }
}

/** A search box that applies what is typed after a short pause (no request per keystroke). */
export function SearchBox({ label, value, help, onSearch }: { label: string; value: string; help?: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value)
  // Back and forward change the URL under the box.
  useEffect(() => setText(value), [value])
  useEffect(() => {
    if (text === value) return
    const t = setTimeout(() => onSearch(text), 300)
    return () => clearTimeout(t)
  }, [text])
  return (
    <Field label={label} help={help}>
      <input type="search" maxLength={256} value={text} onInput={(e) => setText(e.currentTarget.value)} />
    </Field>
  )
}

type BridgeSummary = { id: string; provider: string; name?: string | null }

/** The organization's bridges, to name them; `known` is false until (and unless) they are read. */
export type Bridges = { list: BridgeSummary[]; byId: Map<string, BridgeSummary>; known: boolean }

export function useBridges(orgId: string): Bridges {
  const loaded = useLoad(() => get<{ items: BridgeSummary[] }>(`/organizations/${orgId}/bridges`).then((r) => r.items), [orgId])
  const list = loaded.data ?? []
  return { list, byId: new Map(list.map((b) => [b.id, b])), known: loaded.data !== undefined }
}

/** A bridge as an admin knows it: its name when it has one, else its provider. */
export const bridgeLabel = (b: BridgeSummary) => b.name || b.provider

/** "okta-prod" linking to the bridge's page; a bridge the list does not have (deleted) by its short id. */
export function BridgeLink({ org, id, bridges }: { org: string; id: string; bridges: Bridges }) {
  const b = bridges.byId.get(id)
  if (!b && bridges.known) return <span title={id}>{`${short(id)} (deleted)`}</span>
  return <Link href={`/console/orgs/${org}/bridges/${id}`}>{b ? bridgeLabel(b) : short(id)}</Link>
}

/** Where a user or a group comes from: SCIM, a bridge (linked), or made by hand. */
export function Source({ org, source, bridgeId, bridges }: { org: string; source: string; bridgeId: string | null; bridges: Bridges }) {
  if (source === 'bridge' && bridgeId) return <>bridge <BridgeLink org={org} id={bridgeId} bridges={bridges} /></>
  return <>{source === 'scim' ? 'SCIM' : source}</>
}

export const short = (id: string) => id.slice(0, 8)

/** A SCIM call's path below the SCIM base ("/Users/…"): the base is the same on every call. */
export const scimPath = (path: string) => path.replace(/^.*?\/scim\/2\.0(?=[/?]|$)/, '') || '/'

export const primaryEmail = (u: Pick<UserView, 'emails'>) => (u.emails ?? []).find((e) => e.primary)?.value ?? u.emails?.[0]?.value ?? null

const displayName = (u: UserView) => u.displayName || [u.name?.givenName, u.name?.familyName].filter(Boolean).join(' ') || null

export const Users: OrgPage = ({ org }) => {
  const filters = useFilters(['q', 'active', 'source', 'bridge'] as const)
  const f = filters.values
  const page = useCursor([filters.key])
  const bridges = useBridges(org.id)
  const users = useLoad(
    () =>
      get<Page<UserView>>(
        `/organizations/${org.id}/users${query({ q: f.q, active: f.active, source: f.source, bridgeId: f.bridge, limit: PAGE, cursor: page.cursor })}`,
      ),
    [org.id, filters.key, page.cursor],
  )
  return (
    <section>
      <h2>Users</h2>
      <form class="filters" role="search" aria-label="users" onSubmit={(e) => e.preventDefault()}>
        <SearchBox label="Search" help="Start of a userName, email or display name" value={f.q} onSearch={(q) => filters.set({ q })} />
        <Field label="State">
          <select value={f.active} onChange={(e) => filters.set({ active: e.currentTarget.value })}>
            <option value="">any</option>
            <option value="true">active</option>
            <option value="false">inactive</option>
          </select>
        </Field>
        <Field label="Source">
          <select value={f.source} onChange={(e) => filters.set({ source: e.currentTarget.value })}>
            <option value="">any</option>
            <option value="scim">SCIM</option>
            <option value="bridge">bridge</option>
            <option value="manual">manual</option>
          </select>
        </Field>
        <Field label="Bridge">
          <select value={f.bridge} onChange={(e) => filters.set({ bridge: e.currentTarget.value })}>
            <option value="">any</option>
            {bridges.list.map((b) => (
              <option key={b.id} value={b.id}>
                {bridgeLabel(b)}
              </option>
            ))}
          </select>
        </Field>
        {filters.any && (
          <button type="button" class="secondary" onClick={filters.clear}>
            Clear filters
          </button>
        )}
      </form>
      <Show loaded={users}>
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <p class="muted">{filters.any ? 'No user matches these filters.' : 'No user yet: push one through SCIM or create a bridge.'}</p>
          ) : (
            <>
              <table class="list wrap">
                <thead>
                  <tr>
                    <th>userName</th>
                    <th>Name</th>
                    <th>Email</th>
                    <th>State</th>
                    <th>Source</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((u) => (
                    <tr key={u.id}>
                      <td data-label="userName">
                        <Link href={`/console/orgs/${org.id}/users/${u.id}`}>{u.userName}</Link>
                      </td>
                      <td data-label="Name">{displayName(u) ?? <span class="muted">—</span>}</td>
                      <td data-label="Email">{primaryEmail(u) ?? <span class="muted">—</span>}</td>
                      <td data-label="State">
                        <Badge state={u.active ? 'active' : 'inactive'} />
                      </td>
                      <td data-label="Source">
                        <Source org={org.id} source={u.source} bridgeId={u.bridgeId} bridges={bridges} />
                      </td>
                      <td data-label="Updated">
                        <When at={u.updatedAt} />
                      </td>
                    </tr>
                  ))}
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

type UserWithGroups = UserView & { groups: { id: string; displayName: string }[] }

export const User: OrgPage = ({ org, params }) => {
  const user = useLoad(() => get<UserWithGroups>(`/users/${params.id}`), [params.id])
  const bridges = useBridges(org.id)
  return (
    <section>
      <p class="crumbs">
        <Link href={`/console/orgs/${org.id}/users`}>Users</Link> /
      </p>
      <Show loaded={user}>
        {(u) => (
          <>
            <h2 class="title-row">
              <span class="mono">{u.userName}</span> <Badge state={u.active ? 'active' : 'inactive'} />
            </h2>
            <div class="card">
              <dl class="facts wrap">
                <Fact label="Display name">{u.displayName}</Fact>
                <Fact label="Name">{[u.name?.givenName, u.name?.familyName].filter(Boolean).join(' ') || null}</Fact>
                <Fact label="Emails">
                  {u.emails?.length
                    ? u.emails.map((e, i) => (
                        <span key={i} class="stack">
                          {e.value}
                          {(e.type || e.primary) && <span class="muted"> ({[e.type, e.primary && 'primary'].filter(Boolean).join(', ')})</span>}
                        </span>
                      ))
                    : null}
                </Fact>
                <Fact label="Title">{u.title}</Fact>
                <Fact label="Department">{u.department}</Fact>
                <Fact label="Employee number">{u.employeeNumber}</Fact>
                <Fact label="Manager">{u.manager && <Link href={`/console/orgs/${org.id}/users/${u.manager.id}`}>{short(u.manager.id)}</Link>}</Fact>
                <Fact label="Source">
                  <Source org={org.id} source={u.source} bridgeId={u.bridgeId} bridges={bridges} />
                </Fact>
                <Fact label="externalId">{u.externalId && <code>{u.externalId}</code>}</Fact>
                <Fact label="id">
                  <code>{u.id}</code>
                </Fact>
                <Fact label="Created">
                  <When at={u.createdAt} />
                </Fact>
                <Fact label="Updated">
                  <When at={u.updatedAt} /> <span class="muted">(version {u.version})</span>
                </Fact>
              </dl>
            </div>
            <h3>Groups</h3>
            {u.groups.length === 0 ? (
              <p class="muted">In no group.</p>
            ) : (
              <ul class="links">
                {u.groups.map((g) => (
                  <li key={g.id}>
                    <Link href={`/console/orgs/${org.id}/groups/${g.id}`}>{g.displayName}</Link>
                  </li>
                ))}
              </ul>
            )}
            <History org={org.id} user={u} bridges={bridges} />
          </>
        )}
      </Show>
    </section>
  )
}

function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? <span class="muted">—</span>}</dd>
    </>
  )
}

type HistoryEntry = {
  id: string
  type: string
  occurredAt: string
  source: { kind: 'scim'; scimEventId: string | null } | { kind: 'bridge'; bridgeId: string; runId: string | null } | { kind: 'admin' }
  data: { groupId?: string } | null
  changes?: Record<string, [unknown, unknown]>
  reason?: 'missing' | 'disabled' | 'excluded'
  scimCall?: { method: string; path: string; status: number; ip: string | null; userAgent: string | null }
}

const WHAT: Record<string, string> = {
  'user.created': 'Created',
  'user.updated': 'Updated',
  'user.deactivated': 'Deactivated',
  'user.reactivated': 'Reactivated',
  'user.deleted': 'Deleted',
  'group.member_added': 'Added to',
  'group.member_removed': 'Removed from',
}

const WHY: Record<NonNullable<HistoryEntry['reason']>, string> = {
  missing: 'because the directory no longer has them',
  disabled: 'because the directory has them disabled',
  excluded: "because their email is in the bridge's excluded emails",
}

function History({ org, user, bridges }: { org: string; user: UserWithGroups; bridges: Bridges }) {
  const page = useCursor([user.id])
  const history = useLoad(() => get<Page<HistoryEntry>>(`/users/${user.id}/history${query({ limit: PAGE, cursor: page.cursor })}`), [user.id, page.cursor])
  const groups = new Map(user.groups.map((g) => [g.id, g.displayName]))
  return (
    <>
      <h3>History</h3>
      <Show loaded={history}>
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <p class="muted">No recorded change.</p>
          ) : (
            <>
              <ol class="history">
                {items.map((e) => (
                  <li key={e.id}>
                    <p>
                      <Sentence org={org} entry={e} groups={groups} bridges={bridges} />
                    </p>
                    <p class="muted small">
                      {timestamp(e.occurredAt)} (<When at={e.occurredAt} />)
                    </p>
                    {e.changes && Object.keys(e.changes).length > 0 && <Changes changes={e.changes} />}
                  </li>
                ))}
              </ol>
              <Pager hasPrevious={page.hasPrevious} next={nextCursor} onPrevious={page.previous} onNext={page.next} />
            </>
          )
        }
      </Show>
    </>
  )
}

/** One event as a sentence: what happened, who did it (the SCIM call, the bridge and run, an admin) and, for a bridge's deactivation, why. */
function Sentence({ org, entry: e, groups, bridges }: { org: string; entry: HistoryEntry; groups: Map<string, string>; bridges: Bridges }) {
  const groupId = e.data?.groupId
  const s = e.source
  return (
    <>
      {WHAT[e.type] ?? e.type}
      {groupId && (
        <>
          {' '}
          group <Link href={`/console/orgs/${org}/groups/${groupId}`}>{groups.get(groupId) ?? short(groupId)}</Link>
        </>
      )}{' '}
      {s.kind === 'scim' ? (
        <>
          through SCIM
          {e.scimCall && (
            <>
              {' '}
              (<code>
                {e.scimCall.method} {scimPath(e.scimCall.path)}
              </code>
              , {e.scimCall.status}
              {e.scimCall.ip && `, from ${e.scimCall.ip}`}
              {e.scimCall.userAgent && <span class="muted"> {e.scimCall.userAgent}</span>})
            </>
          )}
        </>
      ) : s.kind === 'bridge' ? (
        <>
          by bridge <BridgeLink org={org} id={s.bridgeId} bridges={bridges} />
          {s.runId && (
            <>
              , run <code title={s.runId}>{short(s.runId)}</code>
            </>
          )}
          {e.reason && `, ${WHY[e.reason]}`}
        </>
      ) : (
        'by an admin'
      )}
    </>
  )
}

function Changes({ changes }: { changes: Record<string, [unknown, unknown]> }) {
  return (
    <dl class="facts wrap changes">
      {Object.entries(changes).map(([field, [before, after]]) => (
        <Fragment key={field}>
          <dt>{field}</dt>
          <dd>
            <Value v={before} /> → <Value v={after} />
          </dd>
        </Fragment>
      ))}
    </dl>
  )
}

/** A changed value as text: strings as they are, objects as JSON, absent as a dash. */
function Value({ v }: { v: unknown }) {
  if (v === null || v === undefined) return <span class="muted">(none)</span>
  return <code>{typeof v === 'string' ? v : JSON.stringify(v)}</code>
}
