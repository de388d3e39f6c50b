// Groups: the organization's groups (search by name, pages) and one group with its
// members, each linking to its user.
import { get, query } from '../api'
import { Badge, Link, Pager, Show, useCursor, useLoad, When } from '../ui'
import type { OrgPage } from './organization'
import { PAGE, type Page, primaryEmail, SearchBox, Source, useBridges, useFilters, type UserView } from './users'

type GroupView = {
  id: string
  displayName: string
  externalId: string | null
  source: 'scim' | 'bridge'
  bridgeId: string | null
  memberCount: number
  createdAt: string
  updatedAt: string
  version: number
}

export const Groups: OrgPage = ({ org }) => {
  const filters = useFilters(['q'] as const)
  const page = useCursor([filters.key])
  const bridges = useBridges(org.id)
  const groups = useLoad(
    () => get<Page<GroupView>>(`/organizations/${org.id}/groups${query({ q: filters.values.q, limit: PAGE, cursor: page.cursor })}`),
    [org.id, filters.key, page.cursor],
  )
  return (
    <section>
      <h2>Groups</h2>
      <form class="filters" role="search" aria-label="groups" onSubmit={(e) => e.preventDefault()}>
        <SearchBox label="Search" help="Start of the group's name" value={filters.values.q} onSearch={(q) => filters.set({ q })} />
      </form>
      <Show loaded={groups}>
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <p class="muted">{filters.any ? 'No group has a name starting so.' : 'No group yet: identity providers push them through SCIM, bridges pull them.'}</p>
          ) : (
            <>
              <table class="list wrap">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th class="num">Members</th>
                    <th>Source</th>
                    <th>Updated</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((g) => (
                    <tr key={g.id}>
                      <td data-label="Name">
                        <Link href={`/console/orgs/${org.id}/groups/${g.id}`}>{g.displayName}</Link>
                      </td>
                      <td data-label="Members" class="num">
                        {g.memberCount.toLocaleString()}
                      </td>
                      <td data-label="Source">
                        <Source org={org.id} source={g.source} bridgeId={g.bridgeId} bridges={bridges} />
                      </td>
                      <td data-label="Updated">
                        <When at={g.updatedAt} />
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

export const Group: OrgPage = ({ org, params }) => {
  const group = useLoad(() => get<GroupView>(`/groups/${params.id}`), [params.id])
  const bridges = useBridges(org.id)
  return (
    <section>
      <p class="crumbs">
        <Link href={`/console/orgs/${org.id}/groups`}>Groups</Link> /
      </p>
      <Show loaded={group}>
        {(g) => (
          <>
            <h2>{g.displayName}</h2>
            <div class="card">
              <dl class="facts wrap">
                <dt>Members</dt>
                <dd>{g.memberCount.toLocaleString()}</dd>
                <dt>Source</dt>
                <dd>
                  <Source org={org.id} source={g.source} bridgeId={g.bridgeId} bridges={bridges} />
                </dd>
                <dt>externalId</dt>
                <dd>{g.externalId ? <code>{g.externalId}</code> : <span class="muted">—</span>}</dd>
                <dt>id</dt>
                <dd>
                  <code>{g.id}</code>
                </dd>
                <dt>Created</dt>
                <dd>
                  <When at={g.createdAt} />
                </dd>
                <dt>Updated</dt>
                <dd>
                  <When at={g.updatedAt} />
                </dd>
              </dl>
            </div>
            <Members org={org.id} groupId={g.id} />
          </>
        )}
      </Show>
    </section>
  )
}

function Members({ org, groupId }: { org: string; groupId: string }) {
  const page = useCursor([groupId])
  const members = useLoad(() => get<Page<UserView>>(`/groups/${groupId}/members${query({ limit: PAGE, cursor: page.cursor })}`), [groupId, page.cursor])
  return (
    <>
      <h3>Members</h3>
      <Show loaded={members}>
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <p class="muted">No member.</p>
          ) : (
            <>
              <table class="list wrap">
                <thead>
                  <tr>
                    <th>userName</th>
                    <th>Email</th>
                    <th>State</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((u) => (
                    <tr key={u.id}>
                      <td data-label="userName">
                        <Link href={`/console/orgs/${org}/users/${u.id}`}>{u.userName}</Link>
                      </td>
                      <td data-label="Email">{primaryEmail(u) ?? <span class="muted">—</span>}</td>
                      <td data-label="State">
                        <Badge state={u.active ? 'active' : 'inactive'} />
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
    </>
  )
}
