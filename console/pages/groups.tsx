// Groups: the organization's groups (search by name, pages) and one group with its
// members, each linking to its user.
import { get, type Json, type Page, query } from '../api'
import { FilterForm, SearchBox, useFilters } from '../filters'
import { Fact, Link, PagedTable, Show, useCursor, useLoad, When } from '../ui'
import type { DirectoryGroup } from '../../server/directory/reads'
import type { OrgPage } from './organization'
import { EMAIL, PAGE, Source, STATE, useBridges, type UserView } from './users'

type GroupView = Json<DirectoryGroup>

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
      <FilterForm label="groups" filters={filters}>
        <SearchBox label="Search" help="Start of the group's name" value={filters.values.q} onSearch={(q) => filters.set({ q })} />
      </FilterForm>
      <PagedTable
        loaded={groups}
        page={page}
        class="wrap"
        empty={filters.any ? 'No group has a name starting so.' : 'No group yet: identity providers push them through SCIM, bridges pull them.'}
        columns={[
          { label: 'Name', cell: (g) => <Link href={`/console/orgs/${org.id}/groups/${g.id}`}>{g.displayName}</Link> },
          { label: 'Members', num: true, cell: (g) => g.memberCount.toLocaleString() },
          { label: 'Source', cell: (g) => <Source org={org.id} source={g.source} bridgeId={g.bridgeId} bridges={bridges} /> },
          { label: 'Updated', cell: (g) => <When at={g.updatedAt} /> },
        ]}
      />
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
                <Fact label="Members">{g.memberCount.toLocaleString()}</Fact>
                <Fact label="Source">
                  <Source org={org.id} source={g.source} bridgeId={g.bridgeId} bridges={bridges} />
                </Fact>
                <Fact label="externalId">{g.externalId && <code>{g.externalId}</code>}</Fact>
                <Fact label="id">
                  <code>{g.id}</code>
                </Fact>
                <Fact label="Created">
                  <When at={g.createdAt} />
                </Fact>
                <Fact label="Updated">
                  <When at={g.updatedAt} />
                </Fact>
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
      <PagedTable
        loaded={members}
        page={page}
        class="wrap"
        empty="No member."
        columns={[{ label: 'userName', cell: (u) => <Link href={`/console/orgs/${org}/users/${u.id}`}>{u.userName}</Link> }, EMAIL, STATE]}
      />
    </>
  )
}
