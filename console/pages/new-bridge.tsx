// New bridge: pick a provider, fill its settings (their list and help come from the server,
// GET /bridge-providers, with the permissions the credentials need), preview what the first
// sync would do, then save. The form's pieces are the bridge page's edit form too.
import { Fragment } from 'preact'
import { useState } from 'preact/hooks'
import { api, ApiFailure, type Json } from '../api'
import { duration } from '../format'
import { navigate } from '../router'
import { Failure, Field, Link, Show, useLoad } from '../ui'
import { type BridgeView, providerCatalog, type ProviderField, type ProviderInfo } from './bridges'
import type { PreviewResult } from '../../bridge/messages'
import type { OrgPage } from './organization'

/** The form as typed: strings, turned into the API's body on submit. */
export type Draft = {
  name: string
  intervalSeconds: string
  /** One per line. */
  excludedEmails: string
  syncGroups: boolean
  /** maxDeactivationRatio as a percentage. */
  deactivationPercent: string
  retryInitial: string
  retryMaximum: string
  retryFailures: string
  settings: Record<string, string>
}

const NEW_DRAFT: Draft = {
  name: '',
  intervalSeconds: '3600',
  excludedEmails: '',
  syncGroups: true,
  deactivationPercent: '20',
  retryInitial: '',
  retryMaximum: '',
  retryFailures: '',
  settings: {},
}

/** A saved bridge as the edit form starts: secrets empty (they are never shown; empty keeps them). */
export function draftOf(b: BridgeView): Draft {
  const settings: Record<string, string> = {}
  for (const [k, v] of Object.entries(b.settings ?? {})) settings[k] = String(v)
  return {
    name: b.name ?? '',
    intervalSeconds: String(b.intervalSeconds),
    excludedEmails: b.excludedEmails.join('\n'),
    syncGroups: b.syncGroups,
    deactivationPercent: String(Math.round(b.maxDeactivationRatio * 1000) / 10),
    retryInitial: String(b.retry.initialIntervalSeconds),
    retryMaximum: String(b.retry.maximumIntervalSeconds),
    retryFailures: String(b.retry.maxConsecutiveFailures),
    settings,
  }
}

const number = (s: string) => (s.trim() === '' ? null : Number(s))
const ratio = (percent: string) => (number(percent) === null ? null : number(percent)! / 100)
const lines = (s: string) => s.split(/[\n,]/).map((l) => l.trim()).filter(Boolean)
/** The form's retry fields and the API's. */
const RETRY = [
  ['retryInitial', 'initialIntervalSeconds'],
  ['retryMaximum', 'maximumIntervalSeconds'],
  ['retryFailures', 'maxConsecutiveFailures'],
] as const

/** The create (and preview) body; blank optional fields are left to the server's defaults. */
function createBody(provider: ProviderInfo, d: Draft): Record<string, unknown> {
  const settings: Record<string, string> = {}
  for (const f of provider.fields) {
    const value = d.settings[f.name] ?? ''
    if (value.trim() !== '' || f.required) settings[f.name] = value // a blank required one: the API names it
  }
  const retry: Record<string, number> = {}
  for (const [field, key] of RETRY) if (number(d[field]) !== null) retry[key] = number(d[field])!
  const body: Record<string, unknown> = { provider: provider.provider, settings, excludedEmails: lines(d.excludedEmails), syncGroups: d.syncGroups, retry }
  if (d.name.trim()) body.name = d.name
  if (number(d.intervalSeconds) !== null) body.intervalSeconds = number(d.intervalSeconds)
  if (ratio(d.deactivationPercent) !== null) body.maxDeactivationRatio = ratio(d.deactivationPercent)
  return body
}

/**
 * A PATCH of what changed: settings merge on the server, so a secret left empty is kept;
 * a retry field emptied goes back to its default (null); an emptied name is removed.
 */
export function patchBody(provider: ProviderInfo, before: Draft, d: Draft): Record<string, unknown> {
  const body: Record<string, unknown> = {}
  const changed = (k: keyof Draft) => before[k] !== d[k]
  if (changed('name')) body.name = d.name.trim() || null
  if (changed('intervalSeconds')) body.intervalSeconds = number(d.intervalSeconds)
  if (changed('excludedEmails')) body.excludedEmails = lines(d.excludedEmails)
  if (changed('syncGroups')) body.syncGroups = d.syncGroups
  if (changed('deactivationPercent')) body.maxDeactivationRatio = ratio(d.deactivationPercent)
  const retry: Record<string, number | null> = {}
  for (const [field, key] of RETRY) if (changed(field)) retry[key] = number(d[field])
  if (Object.keys(retry).length) body.retry = retry
  const settings: Record<string, string> = {}
  for (const f of provider.fields) {
    const value = d.settings[f.name] ?? ''
    if (f.secret ? value !== '' : value !== (before.settings[f.name] ?? '')) settings[f.name] = value
  }
  if (Object.keys(settings).length) body.settings = settings
  return body
}

const OPTION_FIELDS = ['name', 'intervalSeconds', 'excludedEmails', 'syncGroups', 'maxDeactivationRatio', ...RETRY.map(([, key]) => `retry.${key}`)]

/**
 * The API names the field its message is about ("settings.baseUrl: must be a URL"): shown
 * next to that field of `provider`'s form. Anything else (the directory refusing the
 * credentials) is for the whole form.
 */
export function fieldErrors(error: Error | undefined, provider: ProviderInfo | undefined): { byField: Record<string, string>; rest?: Error } {
  const m = error instanceof ApiFailure && error.status === 400 ? /^([\w.]+): (.+)$/s.exec(error.message) : null
  const fields = [...OPTION_FIELDS, ...(provider?.fields ?? []).map((f) => `settings.${f.name}`)]
  const field = m && fields.find((f) => m[1] === f || m[1]!.startsWith(`${f}.`))
  if (!m || !field) return { byField: {}, rest: error }
  // Deeper than the field (an entry of a list, a key of a pasted JSON): say which.
  const within = m[1]!.slice(field.length + 1)
  return { byField: { [field]: within && !/^\d+$/.test(within) ? `${within}: ${m[2]}` : m[2]! } }
}

type Setter = (change: Partial<Draft>) => void

/** A provider's settings; when `saved`, a secret is shown as set and replaced only when typed. */
export function SettingsFields({ provider, draft, set, errors, saved }: { provider: ProviderInfo; draft: Draft; set: Setter; errors: Record<string, string>; saved?: boolean }) {
  const input = (f: ProviderField) => {
    const props = {
      name: f.name,
      value: draft.settings[f.name] ?? '',
      placeholder: saved && f.secret ? '••• set: leave empty to keep it' : f.placeholder,
      required: f.required && !(saved && f.secret),
      'aria-invalid': errors[`settings.${f.name}`] ? true : undefined,
      autocomplete: 'off',
      spellcheck: false,
      onInput: (e: { currentTarget: { value: string } }) => set({ settings: { ...draft.settings, [f.name]: e.currentTarget.value } }),
    }
    if (f.input === 'multiline') return <textarea {...props} rows={f.secret ? 4 : 2} class="mono" />
    return <input {...props} type={f.secret ? 'password' : f.input === 'text' ? 'text' : f.input} />
  }
  return (
    <fieldset class="card">
      <legend>{provider.label} settings</legend>
      {provider.fields.map((f) => (
        <Field key={f.name} label={`${f.label}${f.required ? '' : ' (optional)'}`} help={f.help} error={errors[`settings.${f.name}`]}>
          {input(f)}
        </Field>
      ))}
    </fieldset>
  )
}

/** What the credentials need, from the provider's description. */
export function Needs({ provider }: { provider: ProviderInfo }) {
  return (
    <div class="banner info needs">
      <strong>What {provider.label} needs</strong>
      <ul>
        {provider.needs.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
    </div>
  )
}

/** Name, schedule, excluded emails, groups, the deactivation guard and the retries. */
export function OptionsFields({ draft, set, errors }: { draft: Draft; set: Setter; errors: Record<string, string> }) {
  const seconds = Number(draft.intervalSeconds)
  return (
    <>
      <fieldset class="card">
        <legend>Bridge</legend>
        <Field label="Name (optional)" help="How the console and users' history call it, such as Okta-prod; without one, its provider." error={errors.name}>
          <input name="name" value={draft.name} maxLength={200} onInput={(e) => set({ name: e.currentTarget.value })} />
        </Field>
        <Field
          label="Sync interval (seconds)"
          help={`How often it pulls the directory${seconds > 0 ? `: every ${duration(seconds * 1000)}` : ''}. 3600 is hourly.`}
          error={errors.intervalSeconds}
        >
          <input name="intervalSeconds" type="number" min={1} step={1} value={draft.intervalSeconds} onInput={(e) => set({ intervalSeconds: e.currentTarget.value })} />
        </Field>
        <Field
          label="Excluded emails"
          help="One email or userName a line: never provisioned (service accounts, break-glass admins). A user already provisioned is deactivated."
          error={errors.excludedEmails}
        >
          <textarea name="excludedEmails" rows={3} value={draft.excludedEmails} onInput={(e) => set({ excludedEmails: e.currentTarget.value })} />
        </Field>
        <label class="check">
          <input type="checkbox" name="syncGroups" checked={draft.syncGroups} onChange={(e) => set({ syncGroups: e.currentTarget.checked })} /> Sync groups and their
          members too (the credentials then need the group permission above)
        </label>
      </fieldset>
      <fieldset class="card">
        <legend>Safety and retries</legend>
        <Field
          label="Largest share of its users one sync may deactivate (%)"
          help="A sync that would deactivate more (or everyone) is refused and changes nothing: an outage answering an empty directory cannot wipe the organization."
          error={errors.maxDeactivationRatio}
        >
          <input name="maxDeactivationRatio" type="number" min={0} max={100} step="any" value={draft.deactivationPercent} onInput={(e) => set({ deactivationPercent: e.currentTarget.value })} />
        </Field>
        <div class="row fields">
          <Field label="First retry after (seconds)" help="Empty: the sync interval. The wait doubles at each failure." error={errors['retry.initialIntervalSeconds']}>
            <input name="retryInitial" type="number" min={1} placeholder="the interval" value={draft.retryInitial} onInput={(e) => set({ retryInitial: e.currentTarget.value })} />
          </Field>
          <Field label="Longest wait between retries (seconds)" help="Empty: 86400 (24 h)." error={errors['retry.maximumIntervalSeconds']}>
            <input name="retryMaximum" type="number" min={1} placeholder="86400" value={draft.retryMaximum} onInput={(e) => set({ retryMaximum: e.currentTarget.value })} />
          </Field>
          <Field label="Disable after this many failures in a row" help="Empty: 10. A disabled bridge waits for you to enable it." error={errors['retry.maxConsecutiveFailures']}>
            <input name="retryFailures" type="number" min={1} placeholder="10" value={draft.retryFailures} onInput={(e) => set({ retryFailures: e.currentTarget.value })} />
          </Field>
        </div>
      </fieldset>
    </>
  )
}

/** POST .../bridges/preview */
type Preview = Json<PreviewResult>

const USER_COUNTS: [keyof Preview['counts'], string][] = [
  ['create', 'to create'],
  ['update', 'to update'],
  ['reactivate', 'to reactivate'],
  ['deactivate', 'to deactivate'],
  ['unchanged', 'unchanged'],
  ['excluded', 'excluded'],
  ['conflicts', 'skipped: conflicts'],
]
const GROUP_COUNTS: [keyof Preview['counts'], string][] = [
  ['groupsCreated', 'groups to create'],
  ['groupsUpdated', 'groups to rename'],
  ['groupsDeleted', 'groups to delete'],
  ['membershipsAdded', 'memberships to add'],
  ['membershipsRemoved', 'memberships to remove'],
]

function PreviewResult({ preview, stale }: { preview: Preview; stale: boolean }) {
  const { counts, samples, refused } = preview
  const sample = (title: string, items: string[]) =>
    items.length > 0 && (
      <details>
        <summary>
          {title} ({items.length} shown)
        </summary>
        <ul>
          {items.map((s, i) => (
            <li key={i}>{s}</li>
          ))}
        </ul>
      </details>
    )
  return (
    <section class="card preview" aria-labelledby="preview-title" data-testid="preview">
      <h3 id="preview-title">What the first sync would do</h3>
      {stale && <p class="banner warn">The form changed since this preview: preview again to see what it would do now.</p>}
      {refused ? (
        <div class="banner error" role="alert">
          <strong>This sync would be refused, and change nothing:</strong> {refused}
        </div>
      ) : (
        <p class="muted">Nothing was written: a preview reads the directory and compares it with this organization.</p>
      )}
      <div class="counts">
        {[
          ['Users', USER_COUNTS],
          ['Groups', GROUP_COUNTS],
        ].map(([title, list]) => (
          <dl class="facts" key={title as string} aria-label={title as string}>
            {(list as typeof USER_COUNTS).map(([key, label]) => (
              <Fragment key={key}>
                <dt>{label}</dt>
                <dd data-count={key}>{counts[key].toLocaleString()}</dd>
              </Fragment>
            ))}
          </dl>
        ))}
      </div>
      {sample('Users to create', samples.create.map((u) => (u.email && u.email !== u.userName ? `${u.userName} (${u.email})` : u.userName)))}
      {sample('Users to update', samples.update.map((u) => `${u.userName}: ${Object.keys(u.changes).join(', ')}`))}
      {sample('Users to deactivate', samples.deactivate.map((u) => u.userName))}
      {sample('Conflicts (left alone)', samples.conflicts.map((c) => `${c.userName} (${c.externalId}): ${c.reason}`))}
    </section>
  )
}

export const NewBridge: OrgPage = ({ org }) => {
  const providers = useLoad(providerCatalog, [])
  const [chosen, setChosen] = useState<string>()
  const [draft, setDraft] = useState<Draft>(NEW_DRAFT)
  const [busy, setBusy] = useState<'preview' | 'save'>()
  const [error, setError] = useState<Error>()
  const [preview, setPreview] = useState<{ result: Preview; body: string }>()
  const set: Setter = (change) => setDraft((d) => ({ ...d, ...change }))
  const provider = providers.data?.find((p) => p.provider === chosen)
  const { byField, rest } = fieldErrors(error, provider)

  const send = async (what: 'preview' | 'save', provider: ProviderInfo) => {
    const body = createBody(provider, draft)
    setBusy(what)
    setError(undefined)
    try {
      if (what === 'preview') {
        setPreview({ result: await api<Preview>('POST', `/organizations/${org.id}/bridges/preview`, body), body: JSON.stringify(body) })
      } else {
        const created = await api<BridgeView>('POST', `/organizations/${org.id}/bridges`, body)
        navigate(`/console/orgs/${org.id}/bridges/${created.id}`)
      }
    } catch (e) {
      setError(e as Error)
    } finally {
      setBusy(undefined)
    }
  }

  return (
    <section>
      <p>
        <Link href={`/console/orgs/${org.id}/bridges`}>← Bridges</Link>
      </p>
      <h2>New bridge</h2>
      <Show loaded={providers}>
        {(list) => (
          <form
            class="bridge-form"
            noValidate
            onSubmit={(e) => {
              e.preventDefault()
              if (provider) send('save', provider)
            }}
          >
            <fieldset class="card choices">
              <legend>Provider: the directory to pull</legend>
              {list.map((p) => (
                <label key={p.provider} class="choice">
                  <input
                    type="radio"
                    name="provider"
                    value={p.provider}
                    checked={chosen === p.provider}
                    onChange={() => {
                      setChosen(p.provider)
                      setDraft((d) => ({ ...d, settings: {} }))
                      setPreview(undefined)
                      setError(undefined)
                    }}
                  />{' '}
                  {p.label}
                </label>
              ))}
            </fieldset>
            {provider ? (
              <>
                <Needs provider={provider} />
                <SettingsFields provider={provider} draft={draft} set={set} errors={byField} />
                <OptionsFields draft={draft} set={set} errors={byField} />
                {rest && <Failure error={rest} />}
                {Object.keys(byField).length > 0 && <p class="field-error">The server refused a field: see the message next to it.</p>}
                <div class="row">
                  <button type="button" class="secondary" disabled={busy !== undefined} onClick={() => send('preview', provider)}>
                    {busy === 'preview' ? 'Reading the directory…' : 'Preview'}
                  </button>
                  <button type="submit" disabled={busy !== undefined}>
                    {busy === 'save' ? 'Saving…' : 'Save bridge'}
                  </button>
                  <span class="muted">Preview reads the directory and changes nothing; Save creates the bridge, which syncs at once.</span>
                </div>
                {preview && <PreviewResult preview={preview.result} stale={preview.body !== JSON.stringify(createBody(provider, draft))} />}
              </>
            ) : (
              <p class="muted">Pick the provider to see its settings and what its credentials need.</p>
            )}
          </form>
        )}
      </Show>
    </section>
  )
}
