import { afterEach, beforeEach, expect, test } from 'bun:test'
import { ConnectorError, createConnector } from '../../../../activities/connectors'
import { FakeGraph, graphGroup, graphMember, graphUser } from '../../../fixtures/fake-graph'
import { drain, drainMembers, failure, LOOPBACK } from './cases'

let graph: FakeGraph
beforeEach(() => {
  graph = new FakeGraph()
})
afterEach(() => graph.stop())

const connect = (settings: Partial<ReturnType<FakeGraph['settings']>> = {}) =>
  createConnector('microsoft-entra', { ...graph.settings(), ...settings }, LOOPBACK)

test('maps Graph users, members only, with their manager, on one cached token', async () => {
  graph.populate(1500)
  graph.directory.add(
    graphUser(5000, {
      mail: null,
      userPrincipalName: 'No.Mail@Contoso.onmicrosoft.com',
      accountEnabled: false,
      managerId: graphUser(1).id,
    }),
    graphUser(5001, { userType: 'Guest' }),
  )
  const { users, pages } = await drain(connect())
  expect(pages).toBe(2)
  expect(users).toHaveLength(1501)
  expect(users.find((u) => u.externalId === graphUser(5001).id)).toBeUndefined()
  expect(users[0]).toEqual({
    externalId: graphUser(1).id,
    userName: 'user1@contoso.onmicrosoft.com',
    email: 'user1@contoso.com',
    givenName: 'Given1',
    familyName: 'Family1',
    displayName: 'User 1',
    active: true,
    title: 'Engineer',
    department: 'R&D',
    employeeNumber: 'E1',
    managerExternalId: null,
  })
  // No mail: the userPrincipalName is the email; accountEnabled false is inactive.
  expect(users.at(-1)).toMatchObject({
    email: 'no.mail@contoso.onmicrosoft.com',
    active: false,
    managerExternalId: graphUser(1).id,
  })
  expect(graph.log()).toEqual([`POST /${graph.tenantId}/oauth2/v2.0/token 200`, 'GET /v1.0/users 200', 'GET /v1.0/users 200'])
})

test('asks for exactly the documented query', async () => {
  await connect().fetchPage(null)
  const params = new URLSearchParams(graph.requests[1]!.search)
  expect(Object.fromEntries(params)).toEqual({
    $select: 'id,userPrincipalName,mail,givenName,surname,displayName,accountEnabled,jobTitle,department,employeeId,userType',
    $filter: "userType eq 'Member'",
    $top: '999',
    $expand: 'manager($select=id)',
  })
})

test('an expired access token is refreshed once and the call retried', async () => {
  graph.populate(3)
  const connector = connect()
  await connector.fetchPage(null)
  graph.expireTokens()
  expect((await connector.fetchPage(null)).users).toHaveLength(3)
  expect(graph.log()).toEqual([
    `POST /${graph.tenantId}/oauth2/v2.0/token 200`,
    'GET /v1.0/users 200',
    'GET /v1.0/users 401',
    `POST /${graph.tenantId}/oauth2/v2.0/token 200`,
    'GET /v1.0/users 200',
  ])
})

test('a 401 with a fresh token is not retried again: non-retryable, says what to check', async () => {
  graph.populate(3).failNext(2, 401)
  const error = await failure(connect().fetchPage(null))
  expect(error).toMatchObject({ status: 401, retryable: false })
  expect((error as Error).message).toContain('check the tenant id, client id and client secret')
  expect(graph.count('/token')).toBe(2)
  expect(graph.count('/v1.0/users')).toBe(2)
})

test('a wrong client secret fails on the token endpoint, without calling Graph', async () => {
  const error = await failure(connect({ clientSecret: 'wrong' }).fetchPage(null))
  expect(error).toBeInstanceOf(ConnectorError)
  expect(error).toMatchObject({ provider: 'microsoft-entra', status: 401, retryable: false })
  expect((error as Error).message).toMatch(/^microsoft-entra: token request POST .* returned 401 \(AADSTS7000215.*client secret/)
  expect(graph.count('/v1.0/users')).toBe(0)
})

test('an unknown tenant is a non-retryable credentials error', async () => {
  const error = await failure(connect({ tenantId: 'other-tenant' }).fetchPage(null))
  expect(error).toMatchObject({ status: 400, retryable: false })
  expect((error as Error).message).toContain('AADSTS90002')
})

test('a 403 names the missing Graph permission', async () => {
  graph.forbidden = true
  expect(((await failure(connect().fetchPage(null))) as Error).message).toContain('User.Read.All')
})

test('a nextLink to another host is refused', async () => {
  graph.populate(1000).linkOrigin = 'http://evil.example'
  const error = await failure(connect().fetchPage(null))
  expect(error).toMatchObject({ provider: 'microsoft-entra', retryable: false })
  expect((error as Error).message).toContain('refusing to follow a next-page link to http://evil.example')
})

test('a cursor read back from a heartbeat is checked too, before any request', async () => {
  const error = await failure(connect().fetchPage('http://127.0.0.1:1/v1.0/users?$skiptoken=x'))
  expect(error).toMatchObject({ retryable: false })
  expect(graph.count()).toBe(0)
})

test('a resumed sync continues from the cursor with a new connector (a retried activity)', async () => {
  graph.populate(2000)
  let page = await connect().fetchPage(null)
  let received = page.users.length
  while (page.next) {
    page = await connect().fetchPage(page.next)
    received += page.users.length
  }
  expect(received).toBe(2000)
})

test('asks for groups and their transitive members with the documented queries', async () => {
  graph.populate(1).populateGroups(1, 1)
  const connector = connect()
  await connector.fetchGroupsPage(null)
  await connector.fetchMembersPage(graphGroup(1).id, null)
  expect(graph.log().slice(1)).toEqual(['GET /v1.0/groups 200', `GET /v1.0/groups/${graphGroup(1).id}/transitiveMembers 200`])
  expect(Object.fromEntries(new URLSearchParams(graph.requests[1]!.search))).toEqual({ $select: 'id,displayName,description', $top: '999' })
  expect(Object.fromEntries(new URLSearchParams(graph.requests[2]!.search))).toEqual({ $select: 'id', $top: '999' })
})

test("a group's users include its nested groups' users; devices, service principals and groups are skipped, across nextLinks", async () => {
  graph.populate(5)
  const u1 = graphUser(1).id
  const u2 = graphUser(2).id
  const u3 = graphUser(3).id
  const u4 = graphUser(4).id
  const nested = graphGroup(2)
  graph.groups.add(nested, [u3, u4, u1])
  graph.groups.add(graphGroup(1), [
    u1,
    graphMember('20000000-0000-4000-8000-000000000001', 'device'),
    u2,
    graphMember('30000000-0000-4000-8000-000000000001', 'servicePrincipal'),
    graphMember(nested.id, 'group'),
  ])
  graph.pageSize = 2
  const { userIds, pages } = await drainMembers(connect(), graphGroup(1).id)
  // Seven members in all (u1 once): u1, device | u2, servicePrincipal | group, u3 | u4.
  expect(pages).toBe(4)
  expect(userIds).toEqual([u1, u2, u3, u4])
  const followed = graph.requests.slice(2).map((r) => new URLSearchParams(r.search).has('$skiptoken'))
  expect(followed).toEqual([true, true, true])
})

test('a groups nextLink to another host is refused', async () => {
  graph.populateGroups(3, 0).linkOrigin = 'http://evil.example'
  graph.pageSize = 2
  const error = await failure(connect().fetchGroupsPage(null))
  expect(error).toMatchObject({ provider: 'microsoft-entra', retryable: false })
  expect((error as Error).message).toContain('refusing to follow a next-page link to http://evil.example')
})
