import { afterEach, beforeEach, expect, test } from 'bun:test'
import { ConnectorError, createConnector } from '../../../../activities/connectors'
import { FakeGraph, graphUser } from '../../../fixtures/fake-graph'
import { drain, failure, LOOPBACK } from './cases'

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
