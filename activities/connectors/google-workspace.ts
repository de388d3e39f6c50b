// Google Workspace Directory API: a service account with domain-wide delegation signs
// a JWT (RS256, WebCrypto) exchanged for a token acting as adminEmail; users.list,
// groups.list and members.list, each paged by pageToken.
import { ConnectorError, Http, TokenCache, type HttpOptions } from './http'
import type { GoogleWorkspaceSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { directoryGroup, email, text, type Connector, type Page } from './types'

const USERS_SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly'
const GROUPS_SCOPE = 'https://www.googleapis.com/auth/admin.directory.group.readonly'
const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer'
const TOKEN_LIFETIME_S = 3600

interface GoogleUser {
  id?: unknown
  primaryEmail?: unknown
  name?: { givenName?: unknown; familyName?: unknown; fullName?: unknown }
  suspended?: unknown
  archived?: unknown
  organizations?: { title?: unknown; department?: unknown; primary?: unknown }[]
  externalIds?: { value?: unknown; type?: unknown }[]
  relations?: { value?: unknown; type?: unknown }[]
}

interface GoogleGroup {
  id?: unknown
  name?: unknown
  email?: unknown
  description?: unknown
}

interface GoogleMember {
  id?: unknown
  /** USER, GROUP (a nested group) or CUSTOMER (everyone in the account). */
  type?: unknown
}

// Each list omits its array when the page is empty.
interface GoogleList {
  users?: unknown
  groups?: unknown
  members?: unknown
  nextPageToken?: string
}

export function createGoogleWorkspaceConnector(settings: GoogleWorkspaceSettings, options?: HttpOptions): Connector {
  const directory = settings.directoryBaseUrl ?? 'https://admin.googleapis.com'
  const tokenUrl = settings.tokenUrl ?? 'https://oauth2.googleapis.com/token'
  const key = settings.serviceAccountKey
  // What an operator must check, for users or for groups: delegation grants each scope apart.
  const hints = (scope: string, what: string) => ({
    credentials: `check the service account key, that adminEmail is an admin, and that domain-wide delegation grants ${scope} to client ${key.client_email}`,
    permissions: `check that adminEmail may read ${what} and that domain-wide delegation grants ${scope}`,
    notFound: 'check the customer id and the Directory / token URLs',
  })
  const http = new Http(
    'google-workspace',
    hints(USERS_SCOPE, 'users'),
    options,
    // Google reports quota exhaustion as 403 with a reason, not as 429.
    (status, body) => status === 403 && /"reason"\s*:\s*"(userRateLimitExceeded|rateLimitExceeded|quotaExceeded)"/.test(body),
  )
  let signingKey: Promise<CryptoKey> | null = null
  // One token a scope, not one for both: a token asking for a scope the delegation lacks is
  // refused outright, and users must keep syncing where only the users scope was granted.
  const scoped = (scope: string, client: Http) => ({
    client,
    tokens: new TokenCache(async (signal) => {
      signingKey ??= importPrivateKey(key.private_key)
      const now = Math.floor(Date.now() / 1000)
      const assertion = await signJwt(
        await signingKey,
        { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) },
        { iss: key.client_email, sub: settings.adminEmail, scope, aud: tokenUrl, iat: now, exp: now + TOKEN_LIFETIME_S },
      )
      return client.oauthToken(tokenUrl, new URLSearchParams({ grant_type: JWT_BEARER, assertion }), signal)
    }),
  })
  const users = scoped(USERS_SCOPE, http)
  const groups = scoped(GROUPS_SCOPE, http.withHints(hints(GROUPS_SCOPE, 'groups')))
  const customer = settings.customer ?? 'my_customer'
  const list = async (api: typeof users, path: string, query: Record<string, string>, cursor: string | null, signal?: AbortSignal) => {
    const params = new URLSearchParams(query)
    if (cursor) params.set('pageToken', cursor)
    const url = `${directory}/admin/directory/v1/${path}?${params}`
    const { body } = await api.client.authorizedJson<GoogleList>(url, api.tokens, { signal })
    return { url, body, next: body.nextPageToken || null }
  }

  return {
    provider: 'google-workspace',
    async fetchPage(cursor, signal): Promise<Page> {
      const { url, body, next } = await list(users, 'users', { customer, maxResults: '500', projection: 'full' }, cursor, signal)
      return { users: http.records(url, body.users ?? [], 'user', toDirectoryUser), next }
    },
    async fetchGroupsPage(cursor, signal) {
      // maxResults is at most 200 for groups and members (500 for users).
      const { url, body, next } = await list(groups, 'groups', { customer, maxResults: '200' }, cursor, signal)
      // A group's name is optional in the API; its email is not.
      const toGroup = (g: GoogleGroup) => directoryGroup(g.id, text(g.name) ?? g.email, g.description)
      return { groups: groups.client.records(url, body.groups ?? [], 'group', toGroup), next }
    },
    async fetchMembersPage(groupExternalId, cursor, signal) {
      // includeDerivedMembership: Google lists the users of nested groups too (flattened), as
      // Graph's transitiveMembers does; the nested GROUP entries themselves are then skipped.
      const path = `groups/${encodeURIComponent(groupExternalId)}/members`
      const query = { maxResults: '200', includeDerivedMembership: 'true' }
      const { url, body, next } = await list(groups, path, query, cursor, signal)
      const isUser = (m: GoogleMember) => m.type === 'USER'
      return { userIds: groups.client.records(url, body.members ?? [], 'member', (m) => text(m.id), isUser), next }
    },
  }
}

function toDirectoryUser(raw: GoogleUser): DirectoryUser | null {
  const externalId = text(raw.id)
  const userName = text(raw.primaryEmail)
  if (!externalId || !userName) return null
  const organizations = Array.isArray(raw.organizations) ? raw.organizations : []
  const organization = organizations.find((o) => o.primary === true) ?? organizations[0]
  const manager = text((raw.relations ?? []).find((r) => r.type === 'manager')?.value)
  return {
    externalId,
    userName,
    email: email(userName),
    givenName: text(raw.name?.givenName),
    familyName: text(raw.name?.familyName),
    displayName: text(raw.name?.fullName),
    active: raw.suspended !== true && raw.archived !== true,
    title: text(organization?.title),
    department: text(organization?.department),
    employeeNumber: text((raw.externalIds ?? []).find((e) => e.type === 'organization')?.value),
    // Google's manager relation is free text, in practice the manager's email, not a
    // Google id: an email cannot be resolved to an externalId here, so it is dropped.
    managerExternalId: manager && !manager.includes('@') ? manager : null,
  }
}

async function importPrivateKey(pem: string): Promise<CryptoKey> {
  try {
    const der = Buffer.from(pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, ''), 'base64')
    return await crypto.subtle.importKey('pkcs8', der, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign'])
  } catch (error) {
    throw new ConnectorError(
      'google-workspace',
      'the private_key of serviceAccountKey is not a valid PKCS#8 RSA key; check the key file',
      {
        retryable: false,
        cause: error,
      },
    )
  }
}

async function signJwt(key: CryptoKey, header: object, claims: object): Promise<string> {
  const encode = (part: object) => base64Url(new TextEncoder().encode(JSON.stringify(part)))
  const input = `${encode(header)}.${encode(claims)}`
  const signature = await crypto.subtle.sign('RSASSA-PKCS1-v1_5', key, new TextEncoder().encode(input))
  return `${input}.${base64Url(new Uint8Array(signature))}`
}

function base64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url')
}
