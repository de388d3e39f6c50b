// The providers a bridge can read, in one table: each one's settings (the contract of
// the admin API, README "Bridges" table) and which of them are secret. The connectors'
// factories (activities/connectors) are typed against it, so a provider added here
// does not compile until it has a connector.
// Base URLs are configurable so tests point connectors at fakes on loopback.
import * as v from 'valibot'

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

/** A provider's settings schema, and the fields of it encrypted at rest and never returned by the API. */
function provider<S extends v.GenericSchema<unknown, Record<string, unknown>>, const K extends readonly (keyof v.InferOutput<S> & string)[]>(settings: S, secrets: K) {
  return { settings, secrets }
}

export const PROVIDERS = {
  scim: provider(scimSettings, ['token']),
  'microsoft-entra': provider(microsoftEntraSettings, ['clientSecret']),
  'google-workspace': provider(googleWorkspaceSettings, ['serviceAccountKey']),
  okta: provider(oktaSettings, ['apiToken']),
}

export type Provider = keyof typeof PROVIDERS
export const providers = Object.keys(PROVIDERS) as Provider[]

export type SettingsOf<P extends Provider> = v.InferOutput<(typeof PROVIDERS)[P]['settings']>
export type ScimSettings = SettingsOf<'scim'>
export type MicrosoftEntraSettings = SettingsOf<'microsoft-entra'>
export type GoogleWorkspaceSettings = SettingsOf<'google-workspace'>
export type OktaSettings = SettingsOf<'okta'>

export type ProviderSettings = { [P in Provider]: { provider: P; settings: SettingsOf<P> } }[Provider]

/** `{provider, settings}` as one discriminated schema, for request bodies. */
export const providerSettings = v.variant(
  'provider',
  providers.map((p) => v.object({ provider: v.literal(p), settings: PROVIDERS[p].settings })),
) as unknown as v.GenericSchema<unknown, ProviderSettings>

export type PublicSettings<P extends Provider> = Omit<SettingsOf<P>, (typeof PROVIDERS)[P]['secrets'][number]>

/** The settings without their secrets: what the admin API may show. */
export function publicSettings<P extends Provider>(provider: P, settings: SettingsOf<P>): PublicSettings<P> {
  const shown: Record<string, unknown> = { ...settings }
  for (const field of PROVIDERS[provider].secrets) delete shown[field]
  return shown as PublicSettings<P>
}
