// What the Temporal UI shows of a bridge or webhook workflow (its user metadata): a
// one-line static summary and static details set at start, and current details the
// workflow keeps up to date, all in Temporal's markdown. Static metadata cannot change, so
// it holds only what never does (organization, provider, ids); a bridge's name and an
// endpoint's URL, which an admin may change, are in the current details, from the memo.
// Static metadata is not carried over continue-as-new either (Temporal starts the next run
// without it), so the current details repeat the summary; the memo, which continue-as-new
// does carry, is kept up to date by the workflow (renames arrive with `configure`).
// Organization and bridge names, URLs and IdP or receiver errors come from outside: they
// are shown as plain text, never as markup. Pure functions: the server (start options)
// and the workflows (current details) share them.
import type { BridgeStatus } from '../bridge/messages'
import type { WebhookStatus } from '../webhook/messages'

/** One line of plain text, at most `max` characters, every markdown-significant character escaped. */
export function plain(text: string, max = 120): string {
  const line = text.replace(/\s+/g, ' ').trim()
  const cut = line.length > max ? `${line.slice(0, max - 1)}…` : line
  return cut.replace(/[\\`*_{}[\]()<>#+\-.!|~&:]/g, '\\$&')
}

/** An ISO time as `2026-12-06 05:50:12 UTC`. */
const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`

const list = (items: (string | null | false)[]) => items.filter(Boolean).map((item) => `- ${item}`).join('\n')

const titled = (summary: string | undefined, items: (string | null | false)[]) => (summary ? `${summary}\n\n${list(items)}` : list(items))

const failures = (n: number) => (n === 0 ? '' : ` · ${n} consecutive failure${n === 1 ? '' : 's'}`)

/** Set by the server at start, carried by continue-as-new. Temporal drops null memo values: none here. */
export type BridgeMemo = {
  organization: string
  organizationId: string
  provider: string
  /** The bridge's name at start, if it has one. */
  name?: string
  /** When the last sync succeeded (ISO), or 'never'; missing: not known (a run started by older code). */
  lastSyncAt?: string
}

export const bridgeSummary = (memo: Pick<BridgeMemo, 'organization' | 'provider'>) => `${plain(memo.organization)} · ${plain(memo.provider)}`

/** The memo after `changes`, as upsertMemo leaves it: an undefined value removes its key. */
export function memoAfter<M extends object>(memo: M, changes: Partial<M>): M {
  const next: Record<string, unknown> = { ...memo, ...changes }
  for (const [key, value] of Object.entries(changes)) if (value === undefined) delete next[key]
  return next as M
}

export const bridgeStaticDetails = (bridge: { id: string; organizationId: string; provider: string }) =>
  list([`**Provider:** ${plain(bridge.provider)}`, `**Bridge:** ${bridge.id}`, `**Organization:** ${bridge.organizationId}`])

/**
 * A memo written by older code (or none) may lack the names: the details then show the
 * state only. A display concern must never fail the workflow.
 */
const named = <M extends { organization?: unknown }>(memo: M | undefined, also: keyof M): M | undefined =>
  memo && typeof memo.organization === 'string' && typeof memo[also] === 'string' ? memo : undefined

export function bridgeDetails(memo: BridgeMemo | undefined, status: BridgeStatus): string {
  const { state, consecutiveFailures, nextSyncAt, lastError } = status
  const lastSyncAt = typeof memo?.lastSyncAt === 'string' ? memo.lastSyncAt : undefined
  const known = named(memo, 'provider')
  return titled(known && bridgeSummary(known), [
    typeof known?.name === 'string' && `**Name:** ${plain(known.name)}`,
    `**State:** ${state}${failures(consecutiveFailures)}`,
    lastSyncAt !== undefined && `**Last sync:** ${lastSyncAt === 'never' ? 'never' : when(lastSyncAt)}`,
    nextSyncAt && `**${state === 'failed' ? 'Next retry' : 'Next sync'}:** ${when(nextSyncAt)}`,
    state === 'disabled' && 'Disabled: no sync runs until an admin enables the bridge.',
    lastError && `**Last error:** ${plain(lastError, 300)}`,
  ])
}

/** Set by the server at start, carried by continue-as-new. */
export type WebhookMemo = {
  organization: string
  organizationId: string
  /** The endpoint's URL at start without its query, fragment or credentials: they may carry secrets. */
  url: string
}

export function webhookMemo(organizationName: string, endpoint: { organizationId: string; url: string }): WebhookMemo {
  return { organization: organizationName, organizationId: endpoint.organizationId, url: shownUrl(endpoint.url) }
}

/** The URL as the memo keeps it: without its query, fragment or credentials. */
export function shownUrl(url: string): string {
  const u = new URL(url)
  return `${u.origin}${u.pathname}`
}

export const webhookSummary = (memo: Pick<WebhookMemo, 'organization'>) => `${plain(memo.organization)} · webhook`


export const webhookStaticDetails = (endpoint: { id: string; organizationId: string }) =>
  list([`**Webhook endpoint:** ${endpoint.id}`, `**Organization:** ${endpoint.organizationId}`])

/** `lastDelivery`: the last batch this run delivered, if any. */
export function webhookDetails(memo: WebhookMemo | undefined, status: WebhookStatus, lastDelivery: { events: number; at: string } | null): string {
  const { state, consecutiveFailures, lastError } = status
  const known = named(memo, 'url')
  return titled(known && webhookSummary(known), [
    known ? `**URL:** ${plain(known.url)}` : null,
    `**State:** ${state}${failures(consecutiveFailures)}`,
    lastDelivery && `**Last delivery:** ${lastDelivery.events} event${lastDelivery.events === 1 ? '' : 's'} at ${when(lastDelivery.at)}`,
    state === 'disabled' && 'Disabled: nothing is delivered until an admin enables the endpoint.',
    lastError && `**Last error:** ${plain(lastError, 300)}`,
  ])
}
