import { afterEach, beforeEach, expect, test } from 'bun:test'
import { createConnector } from '../../../../activities/connectors'
import { FakeOkta, oktaGroup, oktaUser, type OktaStatus } from '../../../fixtures/fake-okta'
import { drain, drainGroups, drainMembers, failure, LOOPBACK } from './cases'

let okta: FakeOkta
beforeEach(() => {
  okta = new FakeOkta()
})
afterEach(() => okta.stop())

const connect = () => createConnector('okta', okta.settings(), LOOPBACK)

test('maps Okta users', async () => {
  okta.directory.add(oktaUser(1, { profile: { ...oktaUser(1).profile, email: 'User1@Example.COM', managerId: '00u-boss' } }))
  expect((await connect().fetchPage(null)).users).toEqual([
    {
      externalId: oktaUser(1).id,
      userName: 'user1@example.com',
      email: 'user1@example.com',
      givenName: 'Given1',
      familyName: 'Family1',
      displayName: 'User 1',
      active: true,
      title: 'Engineer',
      department: 'R&D',
      employeeNumber: 'E1',
      managerExternalId: '00u-boss',
    },
  ])
})

test.each<[OktaStatus, boolean]>([
  ['ACTIVE', true],
  ['PASSWORD_EXPIRED', true],
  ['LOCKED_OUT', true],
  ['RECOVERY', true],
  ['PROVISIONED', true],
  ['STAGED', false],
  ['SUSPENDED', false],
])('status %s is active: %p', async (status, active) => {
  okta.directory.add(oktaUser(1, { status }))
  expect((await connect().fetchPage(null)).users[0]?.active).toBe(active)
})

test('DEPROVISIONED users are not listed (so the sync deactivates them as gone)', async () => {
  okta.populate(3).directory.update(oktaUser(2).id, { status: 'DEPROVISIONED' })
  expect((await drain(connect())).users.map((u) => u.externalId)).toEqual([oktaUser(1).id, oktaUser(3).id])
})

test('follows the Link header with the after cursor, 200 a page, with the SSWS token', async () => {
  okta.populate(401)
  const { pages } = await drain(connect())
  expect(pages).toBe(3)
  expect(okta.requests.map((r) => r.search)).toEqual([
    '?limit=200',
    `?after=${oktaUser(200).id}&limit=200`,
    `?after=${oktaUser(400).id}&limit=200`,
  ])
})

test('a next link to another host is refused', async () => {
  okta.populate(201).linkOrigin = 'http://evil.example'
  const error = await failure(connect().fetchPage(null))
  expect(error).toMatchObject({ provider: 'okta', retryable: false })
  expect((error as Error).message).toContain('refusing to follow a next-page link to http://evil.example')
})

test('a 401 says to check the API token', async () => {
  okta.rejectCredentials = true
  expect(((await failure(connect().fetchPage(null))) as Error).message).toContain('check the API token')
})

test('groups: BUILT_IN (Everyone) is left out; OKTA_GROUP and APP_GROUP are kept, 200 a page', async () => {
  okta.groups
    .add(oktaGroup(1, { type: 'BUILT_IN', profile: { name: 'Everyone', description: 'All users in your organization' } }))
    .add(oktaGroup(2))
    .add(oktaGroup(3, { type: 'APP_GROUP', profile: { name: 'CN=Sales,OU=Groups,DC=example,DC=com', description: null } }))
  expect((await drainGroups(connect())).groups).toEqual([
    { externalId: oktaGroup(2).id, displayName: 'Group 2', description: 'Team 2' },
    { externalId: oktaGroup(3).id, displayName: 'CN=Sales,OU=Groups,DC=example,DC=com', description: null },
  ])
  expect(okta.requests.map((r) => r.search)).toEqual(['?limit=200'])
})

test("a group's users span pages by the Link header, 200 a page", async () => {
  okta.populate(250).populateGroups(1, 250)
  const { userIds, pages } = await drainMembers(connect(), oktaGroup(1).id)
  expect(pages).toBe(2)
  expect(userIds).toEqual(okta.directory.list().map((u) => u.id))
  expect(okta.log()).toEqual([`GET /api/v1/groups/${oktaGroup(1).id}/users 200`, `GET /api/v1/groups/${oktaGroup(1).id}/users 200`])
  expect(okta.requests.map((r) => r.search)).toEqual(['?limit=200', `?after=${oktaUser(200).id}&limit=200`])
})
