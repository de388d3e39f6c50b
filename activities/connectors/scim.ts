// Any SCIM 2.0 server (RFC 7644 list): startIndex/count paging, or RFC 9865
// cursors when the server offers `nextCursor`, for Users and for Groups.
import { Http, type HttpOptions } from './http'
import type { ScimSettings } from '../../bridge/providers'
import type { DirectoryUser } from '../../bridge/directory'
import { directoryGroup, email, text, type Connector, type Page } from './types'

const PAGE_SIZE = 100
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'

interface ScimListResponse {
  totalResults?: number
  Resources?: unknown
  nextCursor?: string
}

interface ScimUser {
  id?: unknown
  userName?: unknown
  name?: { givenName?: unknown; familyName?: unknown }
  displayName?: unknown
  active?: unknown
  title?: unknown
  emails?: { value?: unknown; primary?: unknown }[]
  [ENTERPRISE]?: { department?: unknown; employeeNumber?: unknown; manager?: { value?: unknown } | string }
}

interface ScimGroup {
  id?: unknown
  displayName?: unknown
  /** Not in the core Group schema (RFC 7643 §4.2), but servers add it. */
  description?: unknown
  members?: ScimMember[]
}

interface ScimMember {
  value?: unknown
  /** "User" or "Group" (RFC 7643 §4.2); optional. */
  type?: unknown
}

// The cursor says which paging mode we are in: `index:<startIndex>` or `cursor:<nextCursor>`.
const START = 'index:1'

export function createScimConnector(settings: ScimSettings, options?: HttpOptions): Connector {
  const http = new Http(
    'scim',
    {
      credentials: 'check the bearer token',
      permissions: "check that the token may read the server's Users",
      notFound: 'check the base URL (it must end before /Users)',
    },
    options,
  )
  const groupsHttp = http.withHints({ permissions: "check that the token may read the server's Groups" })
  const headers = { authorization: `Bearer ${settings.token}`, accept: 'application/scim+json, application/json' }
  /** One page of `resource`, in whichever paging mode `cursor` says; `next` is the following cursor. */
  const list = async (client: Http, resource: string, extra: string, cursor: string | null, signal?: AbortSignal) => {
    const position = cursor ?? START
    const query = position.startsWith('cursor:')
      ? `cursor=${encodeURIComponent(position.slice('cursor:'.length))}&count=${PAGE_SIZE}`
      : `startIndex=${startIndexOf(position)}&count=${PAGE_SIZE}`
    const url = `${settings.baseUrl}/${resource}?${query}${extra}`
    const { body } = await client.json<ScimListResponse>(url, { headers, signal })
    // Resources may be omitted when the page is empty.
    const resources = body.Resources ?? []
    return { url, resources, next: nextPosition(position, body, Array.isArray(resources) ? resources.length : 0) }
  }

  return {
    provider: 'scim',
    async fetchPage(cursor, signal): Promise<Page> {
      const { url, resources, next } = await list(http, 'Users', '', cursor, signal)
      return { users: http.records(url, resources, 'user', toDirectoryUser), next }
    },
    async fetchGroupsPage(cursor, signal) {
      // Members come per group (fetchMembersPage): a page of groups with all their members could be huge.
      const { url, resources, next } = await list(groupsHttp, 'Groups', '&excludedAttributes=members', cursor, signal)
      const toGroup = (g: ScimGroup) => directoryGroup(g.id, g.displayName, g.description)
      return { groups: groupsHttp.records(url, resources, 'group', toGroup), next }
    },
    async fetchMembersPage(groupExternalId, _cursor, signal) {
      // SCIM does not page a group's members: they all come in one response.
      const url = `${settings.baseUrl}/Groups/${encodeURIComponent(groupExternalId)}?attributes=members`
      const { body } = await groupsHttp.json<ScimGroup>(url, { headers, signal })
      // A Group member is a nested group, listed as itself, not as its users: it is synced as a
      // group of its own, and expanding it here would mean fetching groups (and guarding
      // against cycles) inside one page. A member without a type is a user, as most servers
      // send them.
      const isUser = (m: ScimMember) => m.type == null || m.type === 'User'
      return { userIds: groupsHttp.records(url, body.members ?? [], 'member', (m) => text(m.value), isUser), next: null }
    },
  }
}

function startIndexOf(position: string): number {
  const index = Number(position.slice('index:'.length))
  return Number.isSafeInteger(index) && index >= 1 ? index : 1
}

function nextPosition(position: string, body: ScimListResponse, received: number): string | null {
  if (typeof body.nextCursor === 'string' && body.nextCursor !== '') return `cursor:${body.nextCursor}`
  // A cursor page without nextCursor is the last one; so is an empty page (guards against loops).
  if (position.startsWith('cursor:') || received === 0) return null
  const next = startIndexOf(position) + received
  return typeof body.totalResults === 'number' && next <= body.totalResults ? `index:${next}` : null
}

function toDirectoryUser(resource: ScimUser): DirectoryUser | null {
  const externalId = text(resource.id)
  const userName = text(resource.userName)
  if (!externalId || !userName) return null
  const emails = Array.isArray(resource.emails) ? resource.emails : []
  const primary = emails.find((e) => e.primary === true || e.primary === 'true') ?? emails[0]
  const enterprise = resource[ENTERPRISE]
  const manager = enterprise?.manager
  return {
    externalId,
    userName,
    email: email(primary?.value),
    givenName: text(resource.name?.givenName),
    familyName: text(resource.name?.familyName),
    displayName: text(resource.displayName),
    // Absent means active (RFC 7643 has no default, every IdP treats it so); some send strings.
    active: resource.active == null || resource.active === true || String(resource.active).toLowerCase() === 'true',
    title: text(resource.title),
    department: text(enterprise?.department),
    employeeNumber: text(enterprise?.employeeNumber),
    managerExternalId: text(typeof manager === 'string' ? manager : manager?.value),
  }
}
