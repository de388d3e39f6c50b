// One organization: its name and the tabs of what it has (SCIM, the provisioning log,
// users, groups, bridges, webhooks). The tab is the URL's third segment.
import type { ComponentType } from 'preact'
import { get } from '../api'
import { match } from '../router'
import { Link, Show, useLoad } from '../ui'
import { Bridge } from './bridge'
import { Bridges } from './bridges'
import { Group, Groups } from './groups'
import { ProvisioningLog } from './log'
import { NewBridge } from './new-bridge'
import { Scim } from './scim'
import { User, Users } from './users'
import { Webhook, Webhooks } from './webhooks'

export type OrgPage = ComponentType<{ org: { id: string; name: string }; params: Record<string, string> }>

const TABS: { tab: string; label: string }[] = [
  { tab: '', label: 'SCIM' },
  { tab: 'log', label: 'Provisioning log' },
  { tab: 'users', label: 'Users' },
  { tab: 'groups', label: 'Groups' },
  { tab: 'bridges', label: 'Bridges' },
  { tab: 'webhooks', label: 'Webhooks' },
]

// More specific patterns first.
const PAGES: [string, OrgPage][] = [
  ['/console/orgs/:org', Scim],
  ['/console/orgs/:org/log', ProvisioningLog],
  ['/console/orgs/:org/users', Users],
  ['/console/orgs/:org/users/:id', User],
  ['/console/orgs/:org/groups', Groups],
  ['/console/orgs/:org/groups/:id', Group],
  ['/console/orgs/:org/bridges', Bridges],
  ['/console/orgs/:org/bridges/new', NewBridge],
  ['/console/orgs/:org/bridges/:id', Bridge],
  ['/console/orgs/:org/webhooks', Webhooks],
  ['/console/orgs/:org/webhooks/:id', Webhook],
]

export function OrganizationShell({ path }: { path: string }) {
  const orgId = path.split('/')[3]!
  const org = useLoad(() => get<{ id: string; name: string }>(`/organizations/${orgId}`), [orgId])
  const current = path.split('/')[4] ?? ''
  let found: { Page: OrgPage; params: Record<string, string> } | undefined
  for (const [pattern, Page] of PAGES) {
    const params = match(pattern, path)
    if (params && !found) found = { Page, params }
  }
  return (
    <Show loaded={org}>
      {(o) => (
        <>
          <p class="crumbs">
            <Link href="/console">Organizations</Link> / <strong>{o.name}</strong>
          </p>
          <nav class="tabs" aria-label="organization">
            {TABS.map((t) => (
              <Link key={t.tab} href={`/console/orgs/${o.id}${t.tab ? `/${t.tab}` : ''}`} class={current === t.tab ? 'current' : undefined}>
                {t.label}
              </Link>
            ))}
          </nav>
          {found ? <found.Page org={o} params={found.params} /> : <p>There is no such page for this organization.</p>}
        </>
      )}
    </Show>
  )
}
