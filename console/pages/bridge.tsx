// One bridge: its state and what happens next (the error banner of a failed or disabled
// bridge), its settings with the secrets masked, its run history, its actions, the edit
// form (?edit) and a link to its workflow in the Temporal UI.
import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { api, get, type Json, type Page, query } from '../api'
import { duration, plural, relative } from '../format'
import { navigate, useLocation } from '../router'
import { Badge, type Column, Fact, Failure, Link, PagedTable, Show, useCursor, useLoad, useTask, When } from '../ui'
import { BridgeActions, type BridgeView, providerCatalog, type ProviderInfo, REFRESH_MS, schedule } from './bridges'
import { draftOf, fieldErrors, Needs, OptionsFields, patchBody, SettingsFields } from './new-bridge'
import type { OrgPage } from './organization'
import type { BridgeRun } from '../../server/bridges/service'

export const Bridge: OrgPage = ({ org, params }) => {
  const { path, params: search } = useLocation()
  const loaded = useLoad(
    async () => {
      const [bridge, providers] = await Promise.all([get<BridgeView>(`/bridges/${params.id}`), providerCatalog()])
      const provider = providers.find((p) => p.provider === bridge.provider)
      if (!provider) throw new Error(`this server does not describe the provider ${bridge.provider}: reload the page after its upgrade`)
      return { bridge, provider }
    },
    [params.id],
    { every: REFRESH_MS },
  )
  const list = `/console/orgs/${org.id}/bridges`
  return (
    <section>
      <p>
        <Link href={list}>← Bridges</Link>
      </p>
      <Show loaded={loaded}>
        {({ bridge: b, provider }) => (
          <>
            <div class="row heading">
              <h2>{b.name ?? provider.label}</h2>
              <Badge state={b.state} />
              {b.workflowUrl && (
                <a href={b.workflowUrl} target="_blank" rel="noopener noreferrer">
                  Workflow in the Temporal UI ↗
                </a>
              )}
            </div>
            <ErrorBanner bridge={b} />
            <BridgeActions bridge={b} editHref={`${path}?edit`} onChange={loaded.reload} onDeleted={() => navigate(list)} />
            {search.has('edit') && (
              <EditBridge
                bridge={b}
                provider={provider}
                onDone={() => {
                  navigate(path, true)
                  loaded.reload()
                }}
              />
            )}
            <div class="bridge-cards">
              <Facts bridge={b} />
              <Settings bridge={b} provider={provider} />
            </div>
            <RunHistory bridgeId={b.id} />
          </>
        )}
      </Show>
    </section>
  )
}

/** A failed or disabled bridge: what went wrong and what happens next. */
function ErrorBanner({ bridge: b }: { bridge: BridgeView }) {
  const max = b.retry.maxConsecutiveFailures
  if (b.state === 'failed') {
    const next = b.nextSyncAt ? relative(new Date(Math.max(Date.parse(b.nextSyncAt), Date.now()))) : 'when Temporal retries it'
    return (
      <div class="banner error" role="alert" data-testid="bridge-error">
        <p>
          <strong>The last sync failed:</strong> <span class="error-text">{b.lastError ?? 'no reason was recorded'}</span>
        </p>
        <p>
          Next attempt {next} (failure {b.consecutiveFailures} of {max}); after {max} consecutive failures the bridge is disabled. Sync now tries again at once.
        </p>
      </div>
    )
  }
  if (b.state === 'disabled') {
    return (
      <div class="banner error" role="alert" data-testid="bridge-error">
        <p>
          <strong>Disabled after {b.consecutiveFailures} consecutive failures:</strong> no sync runs until you enable it. Enable syncs at once.
        </p>
        {b.lastError && (
          <p>
            The last error: <span class="error-text">{b.lastError}</span>
          </p>
        )}
      </div>
    )
  }
  return null
}

function Facts({ bridge: b }: { bridge: BridgeView }) {
  const { initialIntervalSeconds, maximumIntervalSeconds, maxConsecutiveFailures } = b.retry
  return (
    <div class="card">
      <h3>Schedule</h3>
      <dl class="facts">
        <Fact label="State">
          <Badge state={b.state} /> <span data-testid="schedule">{schedule(b)}</span>
        </Fact>
        <Fact label="Last sync">{b.lastSyncAt ? <When at={b.lastSyncAt} /> : 'never'}</Fact>
        <Fact label="Users managed">
          <span data-testid="users-managed">{b.usersManaged.toLocaleString()}</span>
        </Fact>
        <Fact label="Interval">every {duration(b.intervalSeconds * 1000)}</Fact>
        <Fact label="Groups">{b.syncGroups ? 'synced, with their members' : 'not synced'}</Fact>
        <Fact label="Deactivation guard">a sync that would deactivate more than {Math.round(b.maxDeactivationRatio * 1000) / 10} % of its users is refused</Fact>
        <Fact label="Retries">
          first after {duration(initialIntervalSeconds * 1000)}, doubling up to {duration(maximumIntervalSeconds * 1000)}; disabled after{' '}
          {plural(maxConsecutiveFailures, 'consecutive failure')}
        </Fact>
        <Fact label="Created">
          <When at={b.createdAt} />
        </Fact>
      </dl>
    </div>
  )
}

/** The settings as the API shows them: secrets never come back, so they read "set". */
function Settings({ bridge: b, provider }: { bridge: BridgeView; provider: ProviderInfo }) {
  const settings = b.settings
  return (
    <div class="card">
      <h3>Settings</h3>
      {settings === null ? (
        <p class="banner warn">This server cannot read the stored settings (its SECRETS_KEY is not the one they were saved with): enter them all again with Edit.</p>
      ) : (
        <dl class="facts" data-testid="settings">
          <Fact label="Provider">{provider.label}</Fact>
          {provider.fields.map((f) => (
            <Fragment key={f.name}>
              <dt>{f.label}</dt>
              <dd data-setting={f.name}>
                {f.secret ? <span class="mono">••• set</span> : settings[f.name] === undefined ? <span class="muted">default</span> : <code>{String(settings[f.name])}</code>}
              </dd>
            </Fragment>
          ))}
        </dl>
      )}
      <h3>Excluded emails</h3>
      {b.excludedEmails.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <ul class="excluded" data-testid="excluded">
          {b.excludedEmails.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
    </div>
  )
}

function EditBridge({ bridge, provider, onDone }: { bridge: BridgeView; provider: ProviderInfo; onDone: () => void }) {
  // The form starts from the bridge as it was when opened; the page's refreshes do not overwrite what is typed.
  const [before] = useState(() => draftOf(bridge))
  const [draft, setDraft] = useState(before)
  const save = useTask(async () => {
    await api('PATCH', `/bridges/${bridge.id}`, patchBody(provider, before, draft))
    onDone()
  })
  const { byField, rest } = fieldErrors(save.error, provider)
  const set = (change: Partial<typeof draft>) => setDraft((d) => ({ ...d, ...change }))
  return (
    <form class="bridge-form card" aria-label="Edit bridge" noValidate onSubmit={save.submit}>
      <h3>Edit</h3>
      <p class="muted">Only what you change is sent. Secrets are never shown: type a new one to replace it, or leave it empty to keep it.</p>
      <Needs provider={provider} />
      <SettingsFields provider={provider} draft={draft} set={set} errors={byField} saved={bridge.settings !== null} />
      <OptionsFields draft={draft} set={set} errors={byField} />
      {rest && <Failure error={rest} />}
      <div class="row">
        <button type="submit" disabled={save.busy}>
          {save.busy ? 'Saving…' : 'Save changes'}
        </button>
        <button type="button" class="secondary" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  )
}

type Run = Json<BridgeRun>

/** "2 created, 1 deleted", the zeros left out; "—" when nothing. */
function changes(parts: [number, string][]): string {
  const said = parts.filter(([n]) => n > 0).map(([n, what]) => `${n.toLocaleString()} ${what}`)
  return said.length ? said.join(', ') : '—'
}

const count = (key: 'created' | 'updated' | 'deactivated' | 'unchanged' | 'excluded' | 'conflicts', label: string): Column<Run> => ({
  label,
  num: true,
  cell: (r) => r[key].toLocaleString(),
  attrs: () => ({ 'data-count': key }),
})

const RUN_COLUMNS: Column<Run>[] = [
  { label: 'Started', cell: (r) => <When at={r.startedAt} /> },
  {
    label: 'Outcome',
    cell: (r) => (
      <>
        <Badge state={r.outcome} />
        {r.attempt > 1 && <div class="muted small">attempt {r.attempt}</div>}
      </>
    ),
  },
  {
    label: 'Duration',
    cell: (r) => (r.finishedAt ? duration(Date.parse(r.finishedAt) - Date.parse(r.startedAt)) : `${duration(Date.now() - Date.parse(r.startedAt))} so far`),
  },
  count('created', 'Created'),
  count('updated', 'Updated'),
  count('deactivated', 'Deactivated'),
  count('unchanged', 'Unchanged'),
  count('excluded', 'Excluded'),
  count('conflicts', 'Conflicts'),
  {
    label: 'Groups',
    cell: (r) =>
      changes([
        [r.groupsCreated, 'created'],
        [r.groupsUpdated, 'renamed'],
        [r.groupsDeleted, 'deleted'],
      ]),
  },
  {
    label: 'Memberships',
    cell: (r) =>
      changes([
        [r.membershipsAdded, 'added'],
        [r.membershipsRemoved, 'removed'],
      ]),
  },
]

function RunHistory({ bridgeId }: { bridgeId: string }) {
  const page = useCursor([bridgeId])
  // The first page follows new runs; an older page stays still while it is read.
  const runs = useLoad(() => get<Page<Run>>(`/bridges/${bridgeId}/runs${query({ limit: 20, cursor: page.cursor })}`), [bridgeId, page.cursor], {
    every: page.cursor ? undefined : REFRESH_MS,
  })
  return (
    <section aria-labelledby="runs-title">
      <h3 id="runs-title">Run history</h3>
      <PagedTable
        loaded={runs}
        page={page}
        class="runs"
        empty="No sync has run yet."
        columns={RUN_COLUMNS}
        row={(r, cells) => (
          <>
            <tr data-run={r.id}>{cells}</tr>
            {(r.error || r.conflictSamples.length > 0) && (
              <tr class="run-detail">
                <td colSpan={RUN_COLUMNS.length} data-label={r.error ? 'Error' : 'Conflicts'}>
                  {r.error && <span class="error-text">{r.error}</span>}
                  {r.conflictSamples.length > 0 && (
                    <details>
                      <summary>{plural(r.conflicts, 'conflict')}: users left alone</summary>
                      <ul>
                        {r.conflictSamples.map((c) => (
                          <li key={c.externalId}>
                            {c.userName} ({c.externalId}): {c.reason}
                          </li>
                        ))}
                      </ul>
                    </details>
                  )}
                </td>
              </tr>
            )}
          </>
        )}
      />
    </section>
  )
}
