// Access keys: named credentials for the admin API with the scopes they need, maybe bound
// to one organization; minted here (the key shown once) and revoked. Managing keys is for
// ADMIN_TOKEN or an admin key bound to no organization, as the API says.
import { useState } from 'preact/hooks'
import { api, ApiFailure, get, type Json, type Page, query } from '../api'
import { useSession } from '../session'
import { Action, Failure, Field, Link, PagedTable, SecretOnce, useLoad, useTask, When } from '../ui'
import type { AccessKey, createKey, Scope } from '../../server/access-keys/store'
import type { Organization } from '../../server/organizations/store'

type Key = Json<AccessKey>
type Org = Pick<Json<Organization>, 'id' | 'name'>

// What each of the server's scopes lets a key do, in the order the form lists them.
const ALLOWS: Record<Scope, string> = {
  admin: 'everything, including logging in to this console; unbound, also organizations and access keys',
  'directory:read': 'read users, groups and a user’s history',
  'events:read': 'read the change feed and the webhook endpoints with their deliveries',
  'webhooks:write': 'create, change, test, replay and delete webhook endpoints',
}
const SCOPES = Object.keys(ALLOWS) as Scope[]

/** The organization picker offers this many matches of the name typed. */
const ORGS_LISTED = 50

export function AccessKeys() {
  const me = useSession()
  if (me.organizationId) {
    return (
      <section>
        <h1>Access keys</h1>
        <p>Managing access keys needs ADMIN_TOKEN or an admin key bound to no organization; this session's key is bound to one organization.</p>
      </section>
    )
  }
  return <KeyManager />
}

function KeyManager() {
  const data = useLoad(async () => {
    const { items } = await get<{ items: Key[] }>('/api-keys')
    const bound = [...new Set(items.map((k) => k.organizationId).filter((id): id is string => id !== null))]
    const names = new Map((await Promise.all(bound.map((id) => get<Org>(`/organizations/${id}`)))).map((o) => [o.id, o.name]))
    return { items, names }
  }, [])
  const orgName = (id: string) => data.data?.names.get(id) ?? id
  const [minted, setMinted] = useState<{ name: string; key: string; admin: boolean }>()
  return (
    <section>
      <h1>Access keys</h1>
      <p class="muted">
        Give each application its own key with only the scopes it needs, instead of ADMIN_TOKEN. A key is sent as <code>Authorization: Bearer sbk_…</code>;
        only its SHA-256 is stored.
      </p>
      {minted && (
        <SecretOnce title={`Key “${minted.name}” created.`} value={minted.key}>
          Only its hash is stored: if it is lost, revoke it and create another.
          {minted.admin && ' It has the admin scope: it can also log in to this console.'}
        </SecretOnce>
      )}
      <PagedTable
        loaded={data}
        empty="No access key yet: create one below."
        columns={[
          { label: 'Name', cell: (k) => k.name },
          { label: 'Scopes', cell: (k) => <code>{k.scopes.join(', ')}</code> },
          { label: 'Organization', cell: (k) => (k.organizationId ? <Link href={`/console/orgs/${k.organizationId}`}>{orgName(k.organizationId)}</Link> : <strong>all</strong>) },
          { label: 'Created', cell: (k) => <When at={k.createdAt} /> },
          { label: 'Last used', cell: (k) => (k.lastUsedAt ? <When at={k.lastUsedAt} /> : <span class="muted">never</span>) },
          { label: 'Revoke', cell: (k) => <Revoke k={k} onRevoked={data.reload} /> },
        ]}
      />
      <h2>Create a key</h2>
      <NewKey
        onMinted={(m) => {
          setMinted(m)
          data.reload()
        }}
      />
    </section>
  )
}

function Revoke({ k, onRevoked }: { k: Key; onRevoked: () => void }) {
  return (
    <Action
      danger
      run={async () => {
        await api('DELETE', `/api-keys/${k.id}`).catch((e) => {
          // Revoked meanwhile (another tab, another admin): what was asked is done.
          if (!(e instanceof ApiFailure && e.status === 404)) throw e
        })
        onRevoked()
      }}
      confirm={{
        title: `Revoke “${k.name}”?`,
        body: (
          <>
            <p>Everything that uses this key gets 401 from now on (every server within a second){k.organizationId ? '' : ', in every organization'}.</p>
            {k.scopes.includes('admin') && <p>A console session logged in with this key ends too, yours included if you logged in with it.</p>}
            <p>This cannot be undone: to restore access, create a new key and hand it out.</p>
          </>
        ),
        yes: 'Revoke key',
      }}
    >
      Revoke
    </Action>
  )
}

function NewKey({ onMinted }: { onMinted: (m: { name: string; key: string; admin: boolean }) => void }) {
  const [name, setName] = useState('')
  const [scopes, setScopes] = useState<Scope[]>([])
  const [organization, setOrganization] = useState<Org | null>(null)
  // A new picker (an empty search) for each key minted.
  const [minted, setMinted] = useState(0)
  const create = useTask(async () => {
    const body = { name: name.trim(), scopes: SCOPES.filter((s) => scopes.includes(s)), organizationId: organization?.id ?? null }
    const created = await api<Json<Awaited<ReturnType<typeof createKey>>>>('POST', '/api-keys', body)
    onMinted({ name: created.name, key: created.key, admin: created.scopes.includes('admin') })
    setName('')
    setScopes([])
    setOrganization(null)
    setMinted((n) => n + 1)
  })
  const incomplete = !name.trim() || scopes.length === 0
  return (
    <form class="card" onSubmit={create.submit}>
      <Field label="Name" help="Who or what uses it, to know what breaks if you revoke it.">
        <input name="name" required maxLength={200} placeholder="payroll sync" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      <fieldset class="scopes">
        <legend>Scopes</legend>
        {SCOPES.map((s) => (
          <label key={s}>
            <input
              type="checkbox"
              name="scopes"
              value={s}
              checked={scopes.includes(s)}
              onChange={(e) => {
                const on = e.currentTarget.checked
                setScopes((ss) => (on ? [...ss, s] : ss.filter((x) => x !== s)))
              }}
            />{' '}
            <code>{s}</code>: {ALLOWS[s]}
          </label>
        ))}
      </fieldset>
      <OrganizationPicker key={minted} value={organization} onChange={setOrganization} />
      {create.error && <Failure error={create.error} />}
      <button type="submit" disabled={create.busy || incomplete} title={incomplete ? 'name the key and pick at least one scope' : undefined}>
        {create.busy ? '…' : 'Create key'}
      </button>
    </form>
  )
}

/** All organizations, or one found by its name (there may be too many to list). */
function OrganizationPicker({ value, onChange }: { value: Org | null; onChange: (org: Org | null) => void }) {
  const [q, setQ] = useState('')
  const found = useLoad(() => get<Page<Org>>(`/organizations${query({ limit: ORGS_LISTED, q: q.trim() })}`), [q])
  const options = found.data?.items ?? []
  // The chosen one stays offered while the search shows others.
  const shown = value && !options.some((o) => o.id === value.id) ? [value, ...options] : options
  return (
    <fieldset class="organization">
      <legend>Organization</legend>
      <Field label="Find by name">
        <input type="search" name="organization-search" placeholder="part of its name" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      </Field>
      <Field
        label="Bound to"
        help={
          <>
            A bound key sees this organization only: any other answers 404, as if it did not exist.
            {found.data?.nextCursor && ` The first ${ORGS_LISTED} matches are listed: type more of the name.`}
          </>
        }
      >
        <select name="organization" value={value?.id ?? ''} onChange={(e) => onChange(shown.find((o) => o.id === e.currentTarget.value) ?? null)}>
          <option value="">All organizations</option>
          {shown.map((o) => (
            <option key={o.id} value={o.id}>
              {o.name}
            </option>
          ))}
        </select>
      </Field>
      {found.error && <Failure error={found.error} />}
    </fieldset>
  )
}
