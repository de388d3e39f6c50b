// Organizations: each with SCIM on or off, its bridges and the worst of their states, its
// active users; and a form to create one.
import { useState } from 'preact/hooks'
import { api, get, type Json, type Page, query } from '../api'
import { SearchBox, useFilters } from '../filters'
import { plural } from '../format'
import { navigate } from '../router'
import { Badge, type Column, Failure, Field, Link, PagedTable, useCursor, useLoad, useTask, When } from '../ui'
import type { Organization, OrganizationSummary } from '../../server/organizations/store'

type Summary = Json<OrganizationSummary>

// Worst first: what an admin should look at.
const SEVERITY = ['disabled', 'failed', 'syncing', 'pending', 'paused', 'active']

export function worstState(states: string[]): string | undefined {
  return [...states].sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0]
}

const COLUMNS: Column<Summary>[] = [
  { label: 'Name', cell: (o) => <Link href={`/console/orgs/${o.id}`}>{o.name}</Link> },
  { label: 'SCIM', cell: (o) => <Badge state={o.scimEnabled ? 'on' : 'off'} /> },
  { label: 'Bridges', cell: (o) => <BridgesCell bridges={o.bridges} /> },
  { label: 'Active users', num: true, cell: (o) => o.activeUsers.toLocaleString() },
  { label: 'Created', cell: (o) => <When at={o.createdAt} /> },
]

function BridgesCell({ bridges }: { bridges: Summary['bridges'] }) {
  if (bridges.length === 0) return <span class="muted">none</span>
  const worst = worstState(bridges.map((b) => b.state))
  return (
    <>
      {plural(bridges.length, 'bridge')} {worst && <Badge state={worst} label={`worst: ${worst}`} />}
    </>
  )
}

export function Organizations() {
  const filters = useFilters(['q'] as const)
  const { q } = filters.values
  const page = useCursor([q])
  const orgs = useLoad(() => get<Page<Summary>>(`/organizations${query({ limit: 50, after: page.cursor, q })}`), [page.cursor, q])
  return (
    <section>
      <h1>Organizations</h1>
      <CreateOrganization />
      <div class="filters">
        <SearchBox label="Search by name" placeholder="part of a name" value={q} onSearch={(q) => filters.set({ q })} />
      </div>
      <PagedTable
        loaded={orgs}
        page={page}
        columns={COLUMNS}
        empty={q ? `No organization's name contains “${q}”.` : 'No organization yet: create the first one above.'}
      />
    </section>
  )
}

function CreateOrganization() {
  const [name, setName] = useState('')
  const create = useTask(async () => {
    const org = await api<Json<Organization>>('POST', '/organizations', { name })
    navigate(`/console/orgs/${org.id}`)
  })
  return (
    <form class="card inline" onSubmit={create.submit}>
      <Field label="New organization">
        <input name="name" required maxLength={200} placeholder="Acme Corp" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={create.busy || !name.trim()}>
        Create organization
      </button>
      {create.error && <Failure error={create.error} />}
    </form>
  )
}
