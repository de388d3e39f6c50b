// Microsoft Entra ID through Microsoft Graph: client-credentials token, /v1.0/users
// (members only, manager expanded), /v1.0/groups and each group's transitiveMembers,
// all paged by @odata.nextLink.
import { Http, TokenCache, linkPaging, type HttpOptions } from './http'
import type { MicrosoftEntraSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { directoryGroup, email, text, type Connector, type Page } from './types'

const SELECT = 'id,userPrincipalName,mail,givenName,surname,displayName,accountEnabled,jobTitle,department,employeeId,userType'

const query = (params: [string, string][]) => params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')

// Graph caps a page at 100 when $expand is present (known issue 13635): the connector
// never assumes a page size, it follows nextLink until there is none.
const USERS_QUERY = query([
  ['$select', SELECT],
  ['$filter', "userType eq 'Member'"],
  ['$top', '999'],
  ['$expand', 'manager($select=id)'],
])
const GROUPS_QUERY = query([
  ['$select', 'id,displayName,description'],
  ['$top', '999'],
])
const MEMBERS_QUERY = query([
  ['$select', 'id'],
  ['$top', '999'],
])

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

interface GraphGroup {
  id?: unknown
  displayName?: unknown
  description?: unknown
}

/** A directoryObject in a member list: a user, group, device, servicePrincipal or orgContact. */
interface GraphMember {
  '@odata.type'?: unknown
  id?: unknown
}

interface GraphList {
  value?: unknown
  '@odata.nextLink'?: string
}

const GRAPH_USER = '#microsoft.graph.user'

const permissions = (permission: string) => `check the app's permissions (${permission} application permission, with admin consent)`

export function createMicrosoftEntraConnector(settings: MicrosoftEntraSettings, options?: HttpOptions): Connector {
  const graph = settings.graphBaseUrl ?? 'https://graph.microsoft.com'
  const login = settings.loginBaseUrl ?? 'https://login.microsoftonline.com'
  const http = new Http(
    'microsoft-entra',
    {
      credentials: 'check the tenant id, client id and client secret (secrets expire)',
      permissions: permissions('User.Read.All'),
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
  // Groups and their members need GroupMember.Read.All (or Group.Read.All), granted apart from User.Read.All.
  const groupsHttp = http.withHints({ permissions: permissions('GroupMember.Read.All (or Group.Read.All)') })
  const paging = linkPaging('microsoft-entra', graph)
  const list = async (client: Http, cursor: string | null, first: string, signal?: AbortSignal) => {
    const url = paging.url(cursor, first)
    const { body } = await client.authorizedJson<GraphList>(url, tokens, { signal })
    return { url, value: body.value, next: paging.next(body['@odata.nextLink']) }
  }
  const usersUrl = `${graph}/v1.0/users?${USERS_QUERY}`
  const groupsUrl = `${graph}/v1.0/groups?${GROUPS_QUERY}`

  return {
    provider: 'microsoft-entra',
    async fetchPage(cursor, signal): Promise<Page> {
      const { url, value, next } = await list(http, cursor, usersUrl, signal)
      return { users: http.records(url, value, 'user', toDirectoryUser), next }
    },
    async fetchGroupsPage(cursor, signal) {
      const { url, value, next } = await list(groupsHttp, cursor, groupsUrl, signal)
      const toGroup = (g: GraphGroup) => directoryGroup(g.id, g.displayName, g.description)
      return { groups: groupsHttp.records(url, value, 'group', toGroup), next }
    },
    async fetchMembersPage(groupExternalId, cursor, signal) {
      // transitiveMembers, not members: Graph flattens nested groups server-side, so a user in
      // a nested group is a member here too, as with Google's derived membership, in one
      // request per page instead of walking the nesting (and its cycles) ourselves.
      const first = `${graph}/v1.0/groups/${encodeURIComponent(groupExternalId)}/transitiveMembers?${MEMBERS_QUERY}`
      const { url, value, next } = await list(groupsHttp, cursor, first, signal)
      // Members also include devices, service principals, groups and contacts: users only.
      const isUser = (m: GraphMember) => m['@odata.type'] === GRAPH_USER
      return { userIds: groupsHttp.records(url, value, 'member', (m) => text(m.id), isUser), next }
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
