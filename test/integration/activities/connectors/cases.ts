// Each connector wired to its fake IdP over loopback, for the suites that hold for all of them.
import type { DirectoryGroup, DirectoryUser } from '../../../../bridge/directory'
import type { Provider } from '../../../../bridge/providers'
import { createConnector, type Connector, type HttpOptions } from '../../../../activities/connectors'
import { FakeGoogle } from '../../../fixtures/fake-google'
import { FakeGraph } from '../../../fixtures/fake-graph'
import { FakeOkta } from '../../../fixtures/fake-okta'
import { FakeScim } from '../../../fixtures/fake-scim'

/** The fakes listen on loopback, which bridges may reach only when OUTBOUND_ALLOW_PRIVATE says so. */
export const LOOPBACK: HttpOptions = { allowPrivate: true }

export type AnyFake = FakeGraph | FakeGoogle | FakeOkta | FakeScim

export interface ConnectorCase {
  provider: Provider
  pageSize: number
  usersPath: string
  groupsPath: string
  /** The provider pages a group's members (SCIM sends them all at once). */
  membersPaged: boolean
  /** What a 403 on groups must name: the permission or scope that reads groups. */
  groupPermission: string
  start(): { fake: AnyFake; connect(options?: HttpOptions): Connector }
}

export const cases: ConnectorCase[] = [
  {
    provider: 'microsoft-entra',
    pageSize: 999,
    usersPath: '/v1.0/users',
    groupsPath: '/v1.0/groups',
    membersPaged: true,
    groupPermission: 'GroupMember.Read.All',
    start() {
      const fake = new FakeGraph()
      return { fake, connect: (options) => createConnector('microsoft-entra', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
  {
    provider: 'google-workspace',
    pageSize: 500,
    usersPath: '/admin/directory/v1/users',
    groupsPath: '/admin/directory/v1/groups',
    membersPaged: true,
    groupPermission: 'https://www.googleapis.com/auth/admin.directory.group.readonly',
    start() {
      const fake = new FakeGoogle()
      return { fake, connect: (options) => createConnector('google-workspace', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
  {
    provider: 'okta',
    pageSize: 200,
    usersPath: '/api/v1/users',
    groupsPath: '/api/v1/groups',
    membersPaged: true,
    groupPermission: 'may read groups',
    start() {
      const fake = new FakeOkta()
      return { fake, connect: (options) => createConnector('okta', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
  {
    provider: 'scim',
    pageSize: 100,
    usersPath: '/scim/v2/Users',
    groupsPath: '/scim/v2/Groups',
    membersPaged: false,
    groupPermission: "may read the server's Groups",
    start() {
      const fake = new FakeScim()
      return { fake, connect: (options) => createConnector('scim', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
]

/** Every page from the first, following `next` as the sync activity does. */
export async function pages<P extends { next: string | null }>(fetch: (cursor: string | null) => Promise<P>): Promise<P[]> {
  const all: P[] = []
  let cursor: string | null = null
  do {
    const page: P = await fetch(cursor)
    all.push(page)
    cursor = page.next
  } while (cursor !== null)
  return all
}

/** Every page of the directory's users. */
export async function drain(connector: Connector): Promise<{ users: DirectoryUser[]; pages: number }> {
  const all = await pages((cursor) => connector.fetchPage(cursor))
  return { users: all.flatMap((page) => page.users), pages: all.length }
}

/** Every page of the directory's groups. */
export async function drainGroups(connector: Connector): Promise<{ groups: DirectoryGroup[]; pages: number }> {
  const all = await pages((cursor) => connector.fetchGroupsPage(cursor))
  return { groups: all.flatMap((page) => page.groups), pages: all.length }
}

/** Every page of a group's user members. */
export async function drainMembers(connector: Connector, groupId: string): Promise<{ userIds: string[]; pages: number }> {
  const all = await pages((cursor) => connector.fetchMembersPage(groupId, cursor))
  return { userIds: all.flatMap((page) => page.userIds), pages: all.length }
}

/** The rejection of `promise` (bun:test's `rejects` cannot inspect fields and time together). */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
