// Organizations: each with SCIM on or off, its bridges and the worst of their states, its
// active users; and a form to create one.
import { useState } from 'preact/hooks'
import { api, get, query } from '../api'
import { plural } from '../format'
import { navigate, setParams, useLocation } from '../router'
import { Badge, Failure, Field, Link, Pager, Show, useCursor, useLoad, When } from '../ui'

type Summary = {
  id: string
  name: string
  createdAt: string
  scimEnabled: boolean
  activeUsers: number
  bridges: { id: string; provider: string; state: string }[]
}

// Worst first: what an admin should look at.
const SEVERITY = ['disabled', 'failed', 'syncing', 'pending', 'paused', 'active']

export function worstState(states: string[]): string | undefined {
  return [...states].sort((a, b) => SEVERITY.indexOf(a) - SEVERITY.indexOf(b))[0]
}

export function Organizations() {
  const { params } = useLocation()
  const q = params.get('q') ?? ''
  const page = useCursor([q])
  const orgs = useLoad(() => get<{ items: Summary[]; nextCursor: string | null }>(`/organizations${query({ limit: 50, after: page.cursor, q })}`), [page.cursor, q])
  return (
    <section>
      <h1>Organizations</h1>
      <CreateOrganization />
      <div class="filters">
        <Field label="Search by name">
          <input
            type="search"
            value={q}
            placeholder="part of a name"
            onInput={(e) => {
              const next = new URLSearchParams(params)
              if (e.currentTarget.value) next.set('q', e.currentTarget.value)
              else next.delete('q')
              setParams(next)
            }}
          />
        </Field>
      </div>
      <Show loaded={orgs}>
        {({ items, nextCursor }) =>
          items.length === 0 ? (
            <p class="muted">{q ? `No organization's name contains “${q}”.` : 'No organization yet: create the first one above.'}</p>
          ) : (
            <>
              <table class="list">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>SCIM</th>
                    <th>Bridges</th>
                    <th class="num">Active users</th>
                    <th>Created</th>
                  </tr>
                </thead>
                <tbody>
                  {items.map((o) => {
                    const worst = worstState(o.bridges.map((b) => b.state))
                    return (
                      <tr key={o.id}>
                        <td data-label="Name">
                          <Link href={`/console/orgs/${o.id}`}>{o.name}</Link>
                        </td>
                        <td data-label="SCIM">
                          <Badge state={o.scimEnabled ? 'on' : 'off'} />
                        </td>
                        <td data-label="Bridges">
                          {o.bridges.length === 0 ? <span class="muted">none</span> : <>{plural(o.bridges.length, 'bridge')} {worst && <Badge state={worst} label={`worst: ${worst}`} />}</>}
                        </td>
                        <td data-label="Active users" class="num">
                          {o.activeUsers.toLocaleString()}
                        </td>
                        <td data-label="Created">
                          <When at={o.createdAt} />
                        </td>
                      </tr>
                    )
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

function CreateOrganization() {
  const [name, setName] = useState('')
  const [error, setError] = useState<Error>()
  return (
    <form
      class="card inline"
      onSubmit={async (e) => {
        e.preventDefault()
        setError(undefined)
        try {
          const org = await api<{ id: string }>('POST', '/organizations', { name })
          navigate(`/console/orgs/${org.id}`)
        } catch (err) {
          setError(err as Error)
        }
      }}
    >
      <Field label="New organization">
        <input name="name" required maxLength={200} placeholder="Acme Corp" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <button type="submit" disabled={!name.trim()}>
        Create organization
      </button>
      {error && <Failure error={error} />}
    </form>
  )
}
