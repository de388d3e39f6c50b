import { afterEach, beforeEach, expect, test } from 'bun:test'
import * as v from 'valibot'
import { googleWorkspaceSettings } from '../../../../bridge/providers'
import { createConnector } from '../../../../activities/connectors'
import { FakeGoogle, GROUPS_SCOPE, googleGroup, googleMember, googleUser } from '../../../fixtures/fake-google'
import { drain, drainGroups, drainMembers, failure, LOOPBACK } from './cases'

let google: FakeGoogle
beforeEach(() => {
  google = new FakeGoogle()
})
afterEach(() => google.stop())

const connect = (settings: Partial<ReturnType<FakeGoogle['settings']>> = {}) =>
  createConnector('google-workspace', { ...google.settings(), ...settings }, LOOPBACK)

test('maps Directory users; suspended or archived users are inactive', async () => {
  google.populate(2)
  google.directory.add(
    googleUser(3, { suspended: true, relations: [{ type: 'manager', value: 'boss@example.com' }] }),
    googleUser(4, {
      archived: true,
      organizations: [{ title: 'Old' }, { title: 'CTO', department: 'Exec', primary: true }],
      relations: [{ type: 'manager', value: googleUser(1).id }],
    }),
  )
  const { users } = await drain(connect())
  expect(users[0]).toEqual({
    externalId: googleUser(1).id,
    userName: 'user1@example.com',
    email: 'user1@example.com',
    givenName: 'Given1',
    familyName: 'Family1',
    displayName: 'Given1 Family1',
    active: true,
    title: 'Engineer',
    department: 'R&D',
    employeeNumber: 'E1',
    managerExternalId: null,
  })
  // A manager given as an email cannot be an externalId: dropped.
  expect(users[2]).toMatchObject({ active: false, managerExternalId: null })
  expect(users[3]).toMatchObject({ active: false, title: 'CTO', department: 'Exec', managerExternalId: googleUser(1).id })
})

test('the signed JWT is accepted and the token reused across pages (500 a page)', async () => {
  google.populate(1001)
  const { pages } = await drain(connect())
  expect(pages).toBe(3)
  expect(google.log()).toEqual([
    'POST /token 200',
    'GET /admin/directory/v1/users 200',
    'GET /admin/directory/v1/users 200',
    'GET /admin/directory/v1/users 200',
  ])
  expect(new URLSearchParams(google.requests[1]!.search).toString()).toBe('customer=my_customer&maxResults=500&projection=full')
})

test('the key file pasted as JSON text is accepted by the settings schema', async () => {
  google.populate(1)
  const settings = v.parse(googleWorkspaceSettings, {
    ...google.settings(),
    serviceAccountKey: JSON.stringify(google.serviceAccountKey()),
  })
  expect((await createConnector('google-workspace', settings, LOOPBACK).fetchPage(null)).users).toHaveLength(1)
})

test('an expired access token is refreshed once and the call retried', async () => {
  google.populate(1)
  const connector = connect()
  await connector.fetchPage(null)
  google.expireTokens()
  await connector.fetchPage(null)
  expect(google.log()).toEqual([
    'POST /token 200',
    'GET /admin/directory/v1/users 200',
    'GET /admin/directory/v1/users 401',
    'POST /token 200',
    'GET /admin/directory/v1/users 200',
  ])
})

test('an adminEmail without delegation is a non-retryable credentials error', async () => {
  const error = await failure(connect({ adminEmail: 'someone@example.com' }).fetchPage(null))
  expect(error).toMatchObject({ provider: 'google-workspace', status: 401, retryable: false })
  expect((error as Error).message).toContain('domain-wide delegation')
})

test("a key that is not the service account's is refused by the token endpoint", async () => {
  const other = (await crypto.subtle.generateKey(
    { name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
    true,
    ['sign'],
  )) as CryptoKeyPair
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', other.privateKey)).toString('base64')
  const key = { ...google.serviceAccountKey(), private_key: `-----BEGIN PRIVATE KEY-----\n${der}\n-----END PRIVATE KEY-----\n` }
  const error = await failure(connect({ serviceAccountKey: key }).fetchPage(null))
  expect(error).toMatchObject({ status: 400, retryable: false })
  expect((error as Error).message).toContain('Invalid JWT Signature')
})

test('an unreadable private key is a non-retryable error before any request', async () => {
  const key = { ...google.serviceAccountKey(), private_key: '-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----' }
  const error = await failure(connect({ serviceAccountKey: key }).fetchPage(null))
  expect(error).toMatchObject({ provider: 'google-workspace', retryable: false })
  expect(google.count()).toBe(0)
})

test("Google's 403 userRateLimitExceeded is a retryable rate limit, not a permission error", async () => {
  google.populate(1).quotaExceededOnce()
  expect(await failure(connect().fetchPage(null))).toMatchObject({ status: 403, retryable: true })
})

test('groups.list and members.list with the documented parameters, on a token of their own scope', async () => {
  google.populate(1).populateGroups(1, 1)
  const connector = connect()
  await connector.fetchPage(null)
  await connector.fetchGroupsPage(null)
  await connector.fetchMembersPage(googleGroup(1).id, null)
  expect(google.log()).toEqual([
    'POST /token 200',
    'GET /admin/directory/v1/users 200',
    'POST /token 200',
    'GET /admin/directory/v1/groups 200',
    `GET /admin/directory/v1/groups/${googleGroup(1).id}/members 200`,
  ])
  expect(google.requests[3]!.search).toBe('?customer=my_customer&maxResults=200')
  expect(google.requests[4]!.search).toBe('?maxResults=200&includeDerivedMembership=true')
})

test('a group without a name is named by its email', async () => {
  google.groups.add(googleGroup(1, { name: '' }))
  expect((await drainGroups(connect())).groups).toEqual([
    { externalId: googleGroup(1).id, displayName: 'group1@example.com', description: null },
  ])
})

test("a nested group's users are members too (derived membership); GROUP and CUSTOMER entries are skipped", async () => {
  google.populate(4)
  const u1 = googleUser(1).id
  const u2 = googleUser(2).id
  const u3 = googleUser(3).id
  google.groups.add(googleGroup(2), [u2, u3])
  google.groups.add(googleGroup(1), [googleMember(google.customerId, 'CUSTOMER'), u1, googleMember(googleGroup(2).id, 'GROUP')])
  google.pageSize = 2
  const { userIds, pages } = await drainMembers(connect(), googleGroup(1).id)
  // CUSTOMER, u1 | GROUP, u2 | u3.
  expect(pages).toBe(3)
  expect(userIds).toEqual([u1, u2, u3])
})

test('a delegation without the groups scope: users still sync, groups fail naming the scope', async () => {
  google.populate(1).populateGroups(1, 1).delegatedScopes.delete(GROUPS_SCOPE)
  const connector = connect()
  expect((await connector.fetchPage(null)).users).toHaveLength(1)
  const error = await failure(connector.fetchGroupsPage(null))
  expect(error).toMatchObject({ provider: 'google-workspace', status: 401, retryable: false })
  expect((error as Error).message).toContain(`domain-wide delegation grants ${GROUPS_SCOPE}`)
})
