// Microsoft Entra ID through Microsoft Graph: client-credentials token, /v1.0/users
// (members only, manager expanded), paged by @odata.nextLink.
import { Http, TokenCache, sameOriginUrl, type HttpOptions } from './http'
import type { MicrosoftEntraSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { email, text, type Connector, type Page } from './types'

const SELECT = 'id,userPrincipalName,mail,givenName,surname,displayName,accountEnabled,jobTitle,department,employeeId,userType'

// Graph caps a page at 100 when $expand is present (known issue 13635): the connector
// never assumes a page size, it follows nextLink until there is none.
const QUERY: [string, string][] = [
  ['$select', SELECT],
  ['$filter', "userType eq 'Member'"],
  ['$top', '999'],
  ['$expand', 'manager($select=id)'],
]

interface GraphUser {
  id?: unknown
  userPrincipalName?: unknown
  mail?: unknown
  givenName?: unknown
  surname?: unknown
  displayName?: unknown
  accountEnabled?: unknown
  jobTitle?: unknown
  department?: unknown
  employeeId?: unknown
  manager?: { id?: unknown } | null
}

interface GraphList {
  value?: GraphUser[]
  '@odata.nextLink'?: string
}

export function createMicrosoftEntraConnector(settings: MicrosoftEntraSettings, options?: HttpOptions): Connector {
  const graph = settings.graphBaseUrl ?? 'https://graph.microsoft.com'
  const login = settings.loginBaseUrl ?? 'https://login.microsoftonline.com'
  const http = new Http(
    'microsoft-entra',
    {
      credentials: 'check the tenant id, client id and client secret (secrets expire)',
      permissions: "check the app's permissions (User.Read.All application permission, with admin consent)",
      notFound: 'check the tenant id and the Graph / login base URLs',
    },
    options,
  )
  const tokenUrl = `${login}/${encodeURIComponent(settings.tenantId)}/oauth2/v2.0/token`
  const tokens = new TokenCache((signal) =>
    http.oauthToken(
      tokenUrl,
      new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: settings.clientId,
        client_secret: settings.clientSecret,
        // The resource's own origin: right for national clouds (graph.microsoft.us, ...) too.
        scope: `${new URL(graph).origin}/.default`,
      }),
      signal,
    ),
  )
  const firstUrl = `${graph}/v1.0/users?${QUERY.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`

  return {
    provider: 'microsoft-entra',
    async fetchPage(cursor, signal): Promise<Page> {
      // The cursor is the nextLink itself; it comes back from a heartbeat, so check it again.
      const url = cursor ? sameOriginUrl('microsoft-entra', cursor, graph) : firstUrl
      const { body } = await http.authorizedJson<GraphList>(url, tokens, { signal })
      const users = http.users(url, body.value, toDirectoryUser)
      const nextLink = body['@odata.nextLink']
      return { users, next: nextLink ? sameOriginUrl('microsoft-entra', nextLink, graph) : null }
    },
  }
}

function toDirectoryUser(raw: GraphUser): DirectoryUser | null {
  const externalId = text(raw.id)
  const userName = text(raw.userPrincipalName)
  if (!externalId || !userName) return null
  return {
    externalId,
    userName,
    email: email(raw.mail) ?? email(userName),
    givenName: text(raw.givenName),
    familyName: text(raw.surname),
    displayName: text(raw.displayName),
    active: raw.accountEnabled === true,
    title: text(raw.jobTitle),
    department: text(raw.department),
    employeeNumber: text(raw.employeeId),
    managerExternalId: text(raw.manager?.id),
  }
}
