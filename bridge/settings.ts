// Provider settings: the contract of the admin API (README "Bridges" table).
// Base URLs are configurable so tests point connectors at fakes on loopback.
import * as v from 'valibot'
import type { Provider } from './directory'

const nonEmpty = v.pipe(v.string(), v.trim(), v.minLength(1))

const httpUrl = v.pipe(
  v.string(),
  v.trim(),
  v.url(),
  v.check((s) => /^https?:\/\//i.test(s), 'must be an http(s) URL'),
)
// A trailing slash is dropped so a base URL can be joined with a path.
const baseUrl = v.pipe(
  httpUrl,
  v.transform((s) => s.replace(/\/+$/, '')),
)

const serviceAccountKeyObject = v.object({
  client_email: v.pipe(v.string(), v.email()),
  private_key: v.pipe(v.string(), v.startsWith('-----BEGIN PRIVATE KEY-----', 'must be a PKCS#8 PEM key')),
  private_key_id: v.optional(v.string()),
})

export const scimSettings = v.object({
  baseUrl,
  token: nonEmpty,
})

export const microsoftEntraSettings = v.object({
  // A GUID or a verified domain; restricted because it becomes a path segment of the token URL.
  tenantId: v.pipe(v.string(), v.trim(), v.regex(/^[A-Za-z0-9.-]+$/, 'must be a tenant GUID or domain')),
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  graphBaseUrl: v.optional(baseUrl),
  loginBaseUrl: v.optional(baseUrl),
})

export const googleWorkspaceSettings = v.object({
  // The key file as downloaded (JSON text) or already parsed.
  serviceAccountKey: v.union([v.pipe(v.string(), v.parseJson(), serviceAccountKeyObject), serviceAccountKeyObject]),
  adminEmail: v.pipe(v.string(), v.trim(), v.email()),
  customer: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]+$/, 'must be a customer id or my_customer'))),
  directoryBaseUrl: v.optional(baseUrl),
  tokenUrl: v.optional(httpUrl),
})

export const oktaSettings = v.object({
  orgUrl: baseUrl,
  apiToken: nonEmpty,
})

export const settingsSchemas = {
  scim: scimSettings,
  'microsoft-entra': microsoftEntraSettings,
  'google-workspace': googleWorkspaceSettings,
  okta: oktaSettings,
} as const satisfies Record<Provider, v.GenericSchema>

export type ScimSettings = v.InferOutput<typeof scimSettings>
export type MicrosoftEntraSettings = v.InferOutput<typeof microsoftEntraSettings>
export type GoogleWorkspaceSettings = v.InferOutput<typeof googleWorkspaceSettings>
export type OktaSettings = v.InferOutput<typeof oktaSettings>
export type SettingsOf<P extends Provider> = v.InferOutput<(typeof settingsSchemas)[P]>

/** `{provider, settings}` as one discriminated schema, for request bodies. */
export const providerSettings = v.variant('provider', [
  v.object({ provider: v.literal('scim'), settings: scimSettings }),
  v.object({ provider: v.literal('microsoft-entra'), settings: microsoftEntraSettings }),
  v.object({ provider: v.literal('google-workspace'), settings: googleWorkspaceSettings }),
  v.object({ provider: v.literal('okta'), settings: oktaSettings }),
])
export type ProviderSettings = v.InferOutput<typeof providerSettings>

/** Fields that are encrypted at rest and that the API must never return. */
export const secretFields = {
  scim: ['token'],
  'microsoft-entra': ['clientSecret'],
  'google-workspace': ['serviceAccountKey'],
  okta: ['apiToken'],
} as const satisfies { [P in Provider]: readonly (keyof SettingsOf<P>)[] }

export type PublicSettings<P extends Provider> = Omit<SettingsOf<P>, (typeof secretFields)[P][number]>

/** The settings without their secrets: what the admin API may show. */
export function publicSettings<P extends Provider>(provider: P, settings: SettingsOf<P>): PublicSettings<P> {
  const shown: Record<string, unknown> = { ...settings }
  for (const field of secretFields[provider]) delete shown[field]
  return shown as PublicSettings<P>
}
