// An organization's bridges: each one's state and schedule as an admin reads them ("syncing
// for 1 m 20 s", "retry in 8 min, failure 3 of 10"), the users it manages, and the actions
// the API allows in that state. The bridge page and the New bridge form (bridge.tsx,
// new-bridge.tsx) use the pieces exported here.
import { api, get } from '../api'
import { duration, plural, relative } from '../format'
import { Action, Badge, Link, Show, useLoad, When } from '../ui'
import type { OrgPage } from './organization'

export type BridgeState = 'pending' | 'syncing' | 'active' | 'failed' | 'disabled' | 'paused'
type ActionName = 'sync' | 'pause' | 'resume' | 'enable'

/** GET /bridges/:id */
export type BridgeView = {
  id: string
  organizationId: string
  name: string | null
  provider: string
  state: BridgeState
  /** Why the API would refuse each action now; null when it would run it. */
  refusals: Record<ActionName, string | null>
  usersManaged: number
  syncingSince: string | null
  consecutiveFailures: number
  lastSyncAt: string | null
  nextSyncAt: string | null
  lastError: string | null
  intervalSeconds: number
  excludedEmails: string[]
  retry: { initialIntervalSeconds: number; maximumIntervalSeconds: number; maxConsecutiveFailures: number }
  maxDeactivationRatio: number
  syncGroups: boolean
  /** Without the secrets; null when this server cannot read them (another SECRETS_KEY). */
  settings: Record<string, unknown> | null
  workflowId: string
  workflowUrl?: string
  createdAt: string
  updatedAt: string
}

/** GET /bridge-providers: what a provider's settings are and what its credentials need. */
export type ProviderField = {
  name: string
  label: string
  help: string
  input: 'text' | 'url' | 'email' | 'multiline'
  placeholder?: string
  required: boolean
  secret: boolean
}
export type ProviderInfo = { provider: string; label: string; needs: string[]; fields: ProviderField[] }

let catalog: Promise<ProviderInfo[]> | undefined

/** The providers' descriptions, read once per page load (they change only with the server). */
export function providerCatalog(): Promise<ProviderInfo[]> {
  catalog ??= get<{ items: ProviderInfo[] }>('/bridge-providers').then(
    (r) => r.items,
    (e: Error) => {
      catalog = undefined // a failure is not kept: the next page asks again
      throw e
    },
  )
  return catalog
}

export const providerLabel = (providers: ProviderInfo[], provider: string) => providers.find((p) => p.provider === provider)?.label ?? provider

/** Pages with a bridge on them refresh this often, so a sync is seen progressing. */
export const REFRESH_MS = 3000

/** When the bridge syncs next, in words; an overdue time reads "now". */
export function schedule(b: BridgeView, now = Date.now()): string {
  const at = (iso: string) => relative(new Date(Math.max(Date.parse(iso), now)), now)
  switch (b.state) {
    case 'syncing':
      return b.syncingSince ? `syncing for ${duration(now - Date.parse(b.syncingSince))}` : 'sync starting'
    case 'failed':
      return `${b.nextSyncAt ? `retry ${at(b.nextSyncAt)}` : 'retry pending'}, failure ${b.consecutiveFailures} of ${b.retry.maxConsecutiveFailures}`
    case 'disabled':
      return `no sync until enabled (${plural(b.consecutiveFailures, 'failure')} in a row)`
    case 'paused':
      return 'no sync until resumed'
    default:
      return b.nextSyncAt ? `next sync ${at(b.nextSyncAt)}` : 'first sync starting'
  }
}

/** Sync now, pause, resume, enable, edit, delete: each disabled, with the API's reason, when the API would refuse it. */
export function BridgeActions({ bridge, editHref, onChange, onDeleted }: { bridge: BridgeView; editHref: string; onChange: () => void; onDeleted: () => void }) {
  const act = (action: ActionName) => async () => {
    await api('POST', `/bridges/${bridge.id}/${action}`)
    onChange()
  }
  const button = (action: ActionName, label: string, why = bridge.refusals[action]) => (
    <Action run={act(action)} disabled={why !== null} why={why ?? undefined}>
      {label}
    </Action>
  )
  return (
    <div class="row bridge-actions">
      {button('sync', 'Sync now')}
      {/* Pausing a paused bridge is allowed (it changes nothing), so the reason is ours. */}
      {button('pause', 'Pause', bridge.state === 'paused' ? 'the bridge is already paused' : bridge.refusals.pause)}
      {button('resume', 'Resume')}
      {button('enable', 'Enable')}
      <Link href={editHref} class="button secondary">
        Edit
      </Link>
      <Action
        danger
        run={async () => {
          await api('DELETE', `/bridges/${bridge.id}`)
          onDeleted()
        }}
        confirm={{
          title: `Delete the bridge ${bridge.name ?? bridge.provider}?`,
          body: (
            <>
              <p>Its workflow stops at once (a sync in progress changes nothing: a sync is one transaction) and its run history is deleted.</p>
              <p>
                The {plural(bridge.usersManaged, 'user')} it made stay as they are now, active and in their groups: nothing is deactivated or deleted, and
                no bridge manages them any more.
              </p>
            </>
          ),
          yes: 'Delete bridge',
        }}
      >
        Delete
      </Action>
    </div>
  )
}

export const Bridges: OrgPage = ({ org }) => {
  const list = useLoad(
    async () => {
      const [bridges, providers] = await Promise.all([get<{ items: BridgeView[] }>(`/organizations/${org.id}/bridges`), providerCatalog()])
      return { bridges: bridges.items, providers }
    },
    [org.id],
    { every: REFRESH_MS },
  )
  const base = `/console/orgs/${org.id}/bridges`
  return (
    <section>
      <div class="row heading">
        <h2>Bridges</h2>
        <Link href={`${base}/new`} class="button">
          New bridge
        </Link>
      </div>
      <p class="muted">A bridge pulls a directory that does not push (Microsoft Entra ID, Google Workspace, Okta, a SCIM server) on a schedule.</p>
      <Show loaded={list}>
        {({ bridges, providers }) =>
          bridges.length === 0 ? (
            <p class="muted">No bridge yet: create one with New bridge.</p>
          ) : (
            <table class="list">
              <thead>
                <tr>
                  <th>Bridge</th>
                  <th>State</th>
                  <th>Last sync</th>
                  <th>Next</th>
                  <th class="num">Users managed</th>
                  <th>Actions</th>
                </tr>
              </thead>
              <tbody>
                {bridges.map((b) => (
                  <tr key={b.id} data-bridge={b.id}>
                    <td data-label="Bridge">
                      <Link href={`${base}/${b.id}`}>{b.name ?? providerLabel(providers, b.provider)}</Link>
                      {b.name && <div class="muted small">{providerLabel(providers, b.provider)}</div>}
                    </td>
                    <td data-label="State">
                      <Badge state={b.state} />
                    </td>
                    <td data-label="Last sync">{b.lastSyncAt ? <When at={b.lastSyncAt} /> : <span class="muted">never</span>}</td>
                    <td data-label="Next" data-testid="schedule">
                      {schedule(b)}
                    </td>
                    <td data-label="Users managed" class="num">
                      {b.usersManaged.toLocaleString()}
                    </td>
                    <td data-label="Actions">
                      <BridgeActions bridge={b} editHref={`${base}/${b.id}?edit`} onChange={list.reload} onDeleted={list.reload} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  )
}
