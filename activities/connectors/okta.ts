// Okta users and groups APIs with an API token (SSWS), paged by `Link: <...>; rel="next"`.
// Okta lists every user except DEPROVISIONED ones, so those count as gone.
import { Http, linkPaging, nextLink, type HttpOptions } from './http'
import type { OktaSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { directoryGroup, email, text, type Connector, type Page } from './types'

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

interface OktaGroup {
  id?: unknown
  /** OKTA_GROUP (made in Okta), APP_GROUP (imported: AD, LDAP, apps) or BUILT_IN (Everyone). */
  type?: unknown
  profile?: { name?: unknown; description?: unknown }
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
  const groupsHttp = http.withHints({ permissions: "check that the API token's admin role may read groups and their members" })
  const headers = { authorization: `SSWS ${settings.apiToken}` }
  const paging = linkPaging('okta', settings.orgUrl)
  const list = async <T>(client: Http, cursor: string | null, first: string, signal?: AbortSignal) => {
    const url = paging.url(cursor, first)
    const { body, headers: responseHeaders } = await client.json<T[]>(url, { headers, signal })
    return { url, body, next: paging.next(nextLink(responseHeaders.get('link'))) }
  }

  return {
    provider: 'okta',
    async fetchPage(cursor, signal): Promise<Page> {
      const { url, body, next } = await list<OktaUser>(http, cursor, `${settings.orgUrl}/api/v1/users?limit=200`, signal)
      return { users: http.records(url, body, 'user', toDirectoryUser), next }
    },
    async fetchGroupsPage(cursor, signal) {
      const { url, body, next } = await list<OktaGroup>(groupsHttp, cursor, `${settings.orgUrl}/api/v1/groups?limit=200`, signal)
      // BUILT_IN is Okta's Everyone group: every user, so it says nothing the users list does
      // not, and would cost a membership per user. Imported APP_GROUPs (AD groups) are real
      // groups of the organisation: kept. Okta groups do not nest.
      const toGroup = (g: OktaGroup) => directoryGroup(g.id, g.profile?.name, g.profile?.description)
      return { groups: groupsHttp.records(url, body, 'group', toGroup, (g) => g.type !== 'BUILT_IN'), next }
    },
    async fetchMembersPage(groupExternalId, cursor, signal) {
      const first = `${settings.orgUrl}/api/v1/groups/${encodeURIComponent(groupExternalId)}/users?limit=200`
      const { url, body, next } = await list<OktaUser>(groupsHttp, cursor, first, signal)
      // Only users can be members of an Okta group.
      return { userIds: groupsHttp.records(url, body, 'member', (u: OktaUser) => text(u.id)), next }
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
