// Okta users API with an API token (SSWS), paged by `Link: <...>; rel="next"`.
// Okta lists every user except DEPROVISIONED ones, so those count as gone.
import { Http, nextLink, sameOriginUrl, type HttpOptions } from './http'
import type { OktaSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { email, text, type Connector, type Page } from './types'

// Statuses of a person who may use their account. PROVISIONED (activated by an admin,
// waiting for the user's first login) counts: it is a current employee. STAGED (created,
// never activated) does not, nor do SUSPENDED and DEPROVISIONED.
const ACTIVE_STATUSES = new Set(['ACTIVE', 'PASSWORD_EXPIRED', 'LOCKED_OUT', 'RECOVERY', 'PROVISIONED'])

interface OktaUser {
  id?: unknown
  status?: unknown
  profile?: {
    login?: unknown
    email?: unknown
    firstName?: unknown
    lastName?: unknown
    displayName?: unknown
    title?: unknown
    department?: unknown
    employeeNumber?: unknown
    managerId?: unknown
  }
}

export function createOktaConnector(settings: OktaSettings, options?: HttpOptions): Connector {
  const http = new Http(
    'okta',
    {
      credentials: 'check the API token (tokens expire after 30 days unused)',
      permissions: "check that the API token's admin role may read users",
      notFound: 'check the org URL (https://<org>.okta.com)',
    },
    options,
  )
  const headers = { authorization: `SSWS ${settings.apiToken}` }
  const firstUrl = `${settings.orgUrl}/api/v1/users?limit=200`

  return {
    provider: 'okta',
    async fetchPage(cursor, signal): Promise<Page> {
      // The cursor is the `next` link itself; it comes back from a heartbeat, so check it again.
      const url = cursor ? sameOriginUrl('okta', cursor, settings.orgUrl) : firstUrl
      const { body, headers: responseHeaders } = await http.json<OktaUser[]>(url, { headers, signal })
      const next = nextLink(responseHeaders.get('link'))
      return { users: http.users(url, body, toDirectoryUser), next: next ? sameOriginUrl('okta', next, settings.orgUrl) : null }
    },
  }
}

function toDirectoryUser(raw: OktaUser): DirectoryUser | null {
  const externalId = text(raw.id)
  const profile = raw.profile ?? {}
  const userName = text(profile.login)
  if (!externalId || !userName) return null
  return {
    externalId,
    userName,
    email: email(profile.email),
    givenName: text(profile.firstName),
    familyName: text(profile.lastName),
    displayName: text(profile.displayName),
    active: typeof raw.status === 'string' && ACTIVE_STATUSES.has(raw.status),
    title: text(profile.title),
    department: text(profile.department),
    employeeNumber: text(profile.employeeNumber),
    // Free text in Okta's profile; it resolves only when the org stores Okta user ids there.
    managerExternalId: text(profile.managerId),
  }
}
