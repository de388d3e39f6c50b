// The providers a bridge can read, in one table: each one's settings (the contract of
// the admin API, README "Bridges" table), which of them are secret, and the help an
// admin needs to fill them (GET /bridge-providers, the console's form). The connectors'
// factories (activities/connectors) are typed against it, so a provider added here
// does not compile until it has a connector, and a field does not compile without its help.
// Base URLs are configurable so tests point connectors at fakes on loopback.
import * as v from 'valibot'

const nonEmpty = v.pipe(v.string('a string'), v.trim(), v.minLength(1, 'must not be empty'))

const httpUrl = v.pipe(
  v.string('a string'),
  v.trim(),
  v.url('must be a URL, such as https://example.com'),
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
  adminEmail: v.pipe(v.string('a string'), v.trim(), v.email('must be an email address')),
  customer: v.optional(v.pipe(v.string(), v.regex(/^[A-Za-z0-9_]+$/, 'must be a customer id or my_customer'))),
  directoryBaseUrl: v.optional(baseUrl),
  tokenUrl: v.optional(httpUrl),
})

export const oktaSettings = v.object({
  orgUrl: baseUrl,
  apiToken: nonEmpty,
})

/** How a settings field is entered: a line of text (the default), a URL, an email, or a pasted file. */
export type FieldInput = 'text' | 'url' | 'email' | 'multiline'

/** What an admin reads next to a field. */
export interface FieldHelp {
  label: string
  help: string
  input?: FieldInput
  placeholder?: string
}

/** What an admin needs to know about a provider: its name, the access it needs, and each field's help. */
export interface ProviderHelp<Field extends string> {
  label: string
  /** The permissions (scopes, roles, consents) the credentials need, users and groups. */
  needs: string[]
  fields: Record<Field, FieldHelp>
}

type SettingsSchema = v.ObjectSchema<v.ObjectEntries, undefined>

/** A provider's settings schema, the fields of it encrypted at rest and never returned by the API, and its help. */
function provider<S extends SettingsSchema, const K extends readonly (keyof v.InferOutput<S> & string)[]>(
  settings: S,
  secrets: K,
  help: ProviderHelp<keyof S['entries'] & string>,
) {
  return { settings, secrets, help }
}

const STORED_ENCRYPTED = 'Stored encrypted and never shown again; to change it, enter a new one.'

export const PROVIDERS = {
  scim: provider(scimSettings, ['token'], {
    label: 'SCIM 2.0 server',
    needs: [
      'A bearer token that may read the server: GET /Users, and GET /Groups and /Groups/{id} with their members when groups are synced.',
      'Read-only access is enough: a bridge never writes to the directory.',
    ],
    fields: {
      baseUrl: { label: 'Base URL', input: 'url', placeholder: 'https://idp.example.com/scim/v2', help: 'The SCIM base URL, ending just before /Users.' },
      token: { label: 'Bearer token', help: `Sent as Authorization: Bearer. ${STORED_ENCRYPTED}` },
    },
  }),
  'microsoft-entra': provider(microsoftEntraSettings, ['clientSecret'], {
    label: 'Microsoft Entra ID (Microsoft Graph)',
    needs: [
      'An app registration (Entra admin center → App registrations) with a client secret.',
      'Microsoft Graph application permissions (not delegated): User.Read.All for users, GroupMember.Read.All (or Group.Read.All) for groups, each with admin consent granted.',
    ],
    fields: {
      tenantId: { label: 'Tenant ID', placeholder: '00000000-0000-0000-0000-000000000000', help: 'The directory (tenant) ID, or a verified domain such as acme.onmicrosoft.com.' },
      clientId: { label: 'Client ID', help: "The app registration's application (client) ID." },
      clientSecret: { label: 'Client secret', help: `The secret's value, not its ID. Secrets expire: replace it here before it does. ${STORED_ENCRYPTED}` },
      graphBaseUrl: { label: 'Graph base URL', input: 'url', help: 'Leave empty for https://graph.microsoft.com; set it for a national cloud.' },
      loginBaseUrl: { label: 'Login base URL', input: 'url', help: 'Leave empty for https://login.microsoftonline.com; set it for a national cloud.' },
    },
  }),
  'google-workspace': provider(googleWorkspaceSettings, ['serviceAccountKey'], {
    label: 'Google Workspace',
    needs: [
      "A service account with a JSON key, and domain-wide delegation for its client ID (Admin console → Security → API controls → Domain-wide delegation) with the scopes https://www.googleapis.com/auth/admin.directory.user.readonly and, for groups, https://www.googleapis.com/auth/admin.directory.group.readonly.",
      'An administrator of the domain for the service account to impersonate, who may read users and groups.',
    ],
    fields: {
      serviceAccountKey: { label: 'Service account key (JSON)', input: 'multiline', help: `The key file as downloaded: paste its JSON. ${STORED_ENCRYPTED}` },
      adminEmail: { label: 'Admin to impersonate', input: 'email', placeholder: 'admin@acme.com', help: 'An administrator the service account acts as; it must be allowed to read users and groups.' },
      customer: { label: 'Customer ID', help: "Leave empty for my_customer, the administrator's own account." },
      directoryBaseUrl: { label: 'Directory API base URL', input: 'url', help: 'Leave empty for https://admin.googleapis.com.' },
      tokenUrl: { label: 'Token URL', input: 'url', help: 'Leave empty for https://oauth2.googleapis.com/token.' },
    },
  }),
  okta: provider(oktaSettings, ['apiToken'], {
    label: 'Okta',
    needs: [
      "An API token (Security → API → Tokens), sent as SSWS. It acts with its creator's admin role: Read-only Administrator is enough to read users, groups and their members.",
      'Okta expires a token unused for 30 days; a bridge syncing at least monthly keeps it alive.',
    ],
    fields: {
      orgUrl: { label: 'Org URL', input: 'url', placeholder: 'https://acme.okta.com', help: 'Your Okta org, https://<org>.okta.com (not the -admin address).' },
      apiToken: { label: 'API token', help: STORED_ENCRYPTED },
    },
  }),
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

/** Every provider as the console's form shows it: its help, and each field with whether it is required or secret. */
export function describeProviders() {
  return providers.map((p) => {
    const { settings, secrets, help } = PROVIDERS[p]
    const fields = help.fields as Record<string, FieldHelp>
    return {
      provider: p,
      label: help.label,
      needs: help.needs,
      fields: Object.entries(settings.entries).map(([name, schema]) => ({
        name,
        ...fields[name]!,
        input: fields[name]!.input ?? 'text',
        required: schema.type !== 'optional',
        secret: (secrets as readonly string[]).includes(name),
      })),
    }
  })
}
