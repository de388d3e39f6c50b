// An organization's bridges: each one's state and schedule as an admin reads them ("syncing
// for 1 m 20 s", "retry in 8 min, failure 3 of 10"), the users it manages, and the actions
// the API allows in that state. The bridge page and the New bridge form (bridge.tsx,
// new-bridge.tsx) use the pieces exported here.
import { api, get, type Json } from '../api'
import { duration, plural, relative } from '../format'
import { Action, Badge, Link, PagedTable, useLoad, When } from '../ui'
import type { describeProviders } from '../../bridge/providers'
import type { BridgeView as ServerBridgeView } from '../../server/bridges/view'
import type { OrgPage } from './organization'

/** GET /bridges/:id */
export type BridgeView = Json<ServerBridgeView>
type ActionName = keyof BridgeView['refusals']

/** GET /bridge-providers: what a provider's settings are and what its credentials need. */
export type ProviderInfo = Json<ReturnType<typeof describeProviders>[number]>
export type ProviderField = ProviderInfo['fields'][number]

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
      return { items: bridges.items, providers }
    },
    [org.id],
    { every: REFRESH_MS },
  )
  const base = `/console/orgs/${org.id}/bridges`
  const provider = (b: BridgeView) => providerLabel(list.data?.providers ?? [], b.provider)
  return (
    <section>
      <div class="row heading">
        <h2>Bridges</h2>
        <Link href={`${base}/new`} class="button">
          New bridge
        </Link>
      </div>
      <p class="muted">A bridge pulls a directory that does not push (Microsoft Entra ID, Google Workspace, Okta, a SCIM server) on a schedule.</p>
      <PagedTable
        loaded={list}
        empty="No bridge yet: create one with New bridge."
        row={(b, cells) => <tr data-bridge={b.id}>{cells}</tr>}
        columns={[
          {
            label: 'Bridge',
            cell: (b) => (
              <>
                <Link href={`${base}/${b.id}`}>{b.name ?? provider(b)}</Link>
                {b.name && <div class="muted small">{provider(b)}</div>}
              </>
            ),
          },
          { label: 'State', cell: (b) => <Badge state={b.state} /> },
          { label: 'Last sync', cell: (b) => (b.lastSyncAt ? <When at={b.lastSyncAt} /> : <span class="muted">never</span>) },
          { label: 'Next', cell: (b) => schedule(b), attrs: () => ({ 'data-testid': 'schedule' }) },
          { label: 'Users managed', num: true, cell: (b) => b.usersManaged.toLocaleString() },
          { label: 'Actions', cell: (b) => <BridgeActions bridge={b} editHref={`${base}/${b.id}?edit`} onChange={list.reload} onDeleted={list.reload} /> },
        ]}
      />
    </section>
  )
}
