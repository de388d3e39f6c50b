// Google Workspace Directory API: a service account with domain-wide delegation signs
// a JWT (RS256, WebCrypto) exchanged for a token acting as adminEmail; users.list by pageToken.
import { ConnectorError, Http, TokenCache, type HttpOptions } from './http'
import type { GoogleWorkspaceSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { email, text, type Connector, type Page } from './types'

const SCOPE = 'https://www.googleapis.com/auth/admin.directory.user.readonly'
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

interface GoogleList {
  users?: GoogleUser[]
  nextPageToken?: string
}

export function createGoogleWorkspaceConnector(settings: GoogleWorkspaceSettings, options?: HttpOptions): Connector {
  const directory = settings.directoryBaseUrl ?? 'https://admin.googleapis.com'
  const tokenUrl = settings.tokenUrl ?? 'https://oauth2.googleapis.com/token'
  const key = settings.serviceAccountKey
  const http = new Http(
    'google-workspace',
    {
      credentials: `check the service account key, that adminEmail is an admin, and that domain-wide delegation grants ${SCOPE} to client ${key.client_email}`,
      permissions: `check that adminEmail may read users and that domain-wide delegation grants ${SCOPE}`,
      notFound: 'check the customer id and the Directory / token URLs',
    },
    options,
    // Google reports quota exhaustion as 403 with a reason, not as 429.
    (status, body) => status === 403 && /"reason"\s*:\s*"(userRateLimitExceeded|rateLimitExceeded|quotaExceeded)"/.test(body),
  )
  let signingKey: Promise<CryptoKey> | null = null
  const tokens = new TokenCache(async (signal) => {
    signingKey ??= importPrivateKey(key.private_key)
    const now = Math.floor(Date.now() / 1000)
    const assertion = await signJwt(
      await signingKey,
      { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) },
      { iss: key.client_email, sub: settings.adminEmail, scope: SCOPE, aud: tokenUrl, iat: now, exp: now + TOKEN_LIFETIME_S },
    )
    return http.oauthToken(tokenUrl, new URLSearchParams({ grant_type: JWT_BEARER, assertion }), signal)
  })
  const customer = settings.customer ?? 'my_customer'

  return {
    provider: 'google-workspace',
    async fetchPage(cursor, signal): Promise<Page> {
      const query = new URLSearchParams({ customer, maxResults: '500', projection: 'full' })
      if (cursor) query.set('pageToken', cursor)
      const url = `${directory}/admin/directory/v1/users?${query}`
      const { body } = await http.authorizedJson<GoogleList>(url, tokens, { signal })
      // `users` is omitted when the page is empty.
      return { users: http.users(url, body.users ?? [], toDirectoryUser), next: body.nextPageToken || null }
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
