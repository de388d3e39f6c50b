// Users: the organization's directory (search, filters, pages) and one user's page with its
// attributes, groups and history told as sentences ("Deactivated by bridge okta, run
// 1a2b3c4d, because the directory no longer has them"). Also the pieces the log and the
// groups pages share: a user's or an event's source, the organization's bridges.
import { Fragment } from 'preact'
import { get, type Json, type Page, query } from '../api'
import { FilterForm, FilterSelect, SearchBox, useFilters } from '../filters'
import { timestamp } from '../format'
import { Badge, type Column, Fact, Link, Paged, PagedTable, Show, useCursor, useLoad, When } from '../ui'
import type { BridgeView } from '../../server/bridges/view'
import type { DirectoryUser } from '../../server/directory/reads'
import type { HistoryEntry } from '../../server/events/feed'
import type { EventType } from '../../server/events/outbox'
import type { OrgPage } from './organization'

export type UserView = Json<DirectoryUser>

/** Rows per page of every list here. */
export const PAGE = 50

type BridgeSummary = Pick<Json<BridgeView>, 'id' | 'provider' | 'name'>

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

/** The users tables' columns that the group's members table has too. */
export const EMAIL: Column<UserView> = { label: 'Email', cell: (u) => primaryEmail(u) ?? <span class="muted">—</span> }
export const STATE: Column<UserView> = { label: 'State', cell: (u) => <Badge state={u.active ? 'active' : 'inactive'} /> }

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
      <FilterForm label="users" filters={filters}>
        <SearchBox label="Search" help="Start of a userName, email or display name" value={f.q} onSearch={(q) => filters.set({ q })} />
        <FilterSelect label="State" value={f.active} options={{ true: 'active', false: 'inactive' }} onChange={(active) => filters.set({ active })} />
        <FilterSelect label="Source" value={f.source} options={{ scim: 'SCIM', bridge: 'bridge', manual: 'manual' }} onChange={(source) => filters.set({ source })} />
        <FilterSelect label="Bridge" value={f.bridge} options={Object.fromEntries(bridges.list.map((b) => [b.id, bridgeLabel(b)]))} onChange={(bridge) => filters.set({ bridge })} />
      </FilterForm>
      <PagedTable
        loaded={users}
        page={page}
        class="wrap"
        empty={filters.any ? 'No user matches these filters.' : 'No user yet: push one through SCIM or create a bridge.'}
        columns={[
          { label: 'userName', cell: (u) => <Link href={`/console/orgs/${org.id}/users/${u.id}`}>{u.userName}</Link> },
          { label: 'Name', cell: (u) => displayName(u) ?? <span class="muted">—</span> },
          EMAIL,
          STATE,
          { label: 'Source', cell: (u) => <Source org={org.id} source={u.source} bridgeId={u.bridgeId} bridges={bridges} /> },
          { label: 'Updated', cell: (u) => <When at={u.updatedAt} /> },
        ]}
      />
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

type Entry = Json<HistoryEntry>

const WHAT: Partial<Record<EventType, string>> = {
  'user.created': 'Created',
  'user.updated': 'Updated',
  'user.deactivated': 'Deactivated',
  'user.reactivated': 'Reactivated',
  'user.deleted': 'Deleted',
  'group.member_added': 'Added to',
  'group.member_removed': 'Removed from',
}

const WHY: Record<NonNullable<Entry['reason']>, string> = {
  missing: 'because the directory no longer has them',
  disabled: 'because the directory has them disabled',
  excluded: "because their email is in the bridge's excluded emails",
}

function History({ org, user, bridges }: { org: string; user: UserWithGroups; bridges: Bridges }) {
  const page = useCursor([user.id])
  const history = useLoad(() => get<Page<Entry>>(`/users/${user.id}/history${query({ limit: PAGE, cursor: page.cursor })}`), [user.id, page.cursor])
  const groups = new Map(user.groups.map((g) => [g.id, g.displayName]))
  return (
    <>
      <h3>History</h3>
      <Paged loaded={history} page={page} empty="No recorded change.">
        {(items) => (
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
        )}
      </Paged>
    </>
  )
}

/** One event as a sentence: what happened, who did it (the SCIM call, the bridge and run, an admin) and, for a bridge's deactivation, why. */
function Sentence({ org, entry: e, groups, bridges }: { org: string; entry: Entry; groups: Map<string, string>; bridges: Bridges }) {
  // A membership event's data names its group; the server types data per event type as unknown.
  const groupId = (e.data as { groupId?: string } | null)?.groupId
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
