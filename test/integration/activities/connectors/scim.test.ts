import { afterEach, beforeEach, expect, test } from 'bun:test'
import { createConnector } from '../../../../activities/connectors'
import { ENTERPRISE, FakeScim, scimGroup, scimMember, scimUser } from '../../../fixtures/fake-scim'
import { drain, drainGroups, LOOPBACK } from './cases'

let scim: FakeScim
beforeEach(() => {
  scim = new FakeScim()
})
afterEach(() => scim.stop())

const connect = () => createConnector('scim', scim.settings(), LOOPBACK)

test('maps SCIM users: primary email, name, enterprise extension, string booleans', async () => {
  scim.directory.add(
    scimUser(1, { [ENTERPRISE]: { department: 'R&D', employeeNumber: 'E1', manager: { value: 'scim-9' } } }),
    scimUser(2, {
      active: 'False',
      emails: [
        { value: 'other@example.com', type: 'home' },
        { value: 'Work2@Example.com', type: 'work', primary: true },
      ],
    }),
    scimUser(3, { emails: undefined, name: undefined, [ENTERPRISE]: undefined, active: undefined }),
  )
  const { users } = await drain(connect())
  expect(users[0]).toEqual({
    externalId: 'scim-1',
    userName: 'user1@example.com',
    email: 'user1@example.com',
    givenName: 'Given1',
    familyName: 'Family1',
    displayName: 'User 1',
    active: true,
    title: 'Engineer',
    department: 'R&D',
    employeeNumber: 'E1',
    managerExternalId: 'scim-9',
  })
  expect(users[1]).toMatchObject({ active: false, email: 'work2@example.com' })
  expect(users[2]).toMatchObject({ active: true, email: null, givenName: null, department: null })
})

test('pages with startIndex/count, following totalResults', async () => {
  scim.populate(250)
  const { users, pages } = await drain(connect())
  expect(users).toHaveLength(250)
  expect(pages).toBe(3)
  expect(scim.requests.map((r) => r.search)).toEqual([
    '?startIndex=1&count=100',
    '?startIndex=101&count=100',
    '?startIndex=201&count=100',
  ])
})

test('switches to RFC 9865 cursors when the server offers nextCursor', async () => {
  scim.populate(250).cursors = true
  const { users } = await drain(connect())
  expect(users).toHaveLength(250)
  expect(scim.requests[0]!.search).toBe('?startIndex=1&count=100')
  expect(scim.requests.slice(1).map((r) => new URLSearchParams(r.search).has('cursor'))).toEqual([true, true])
})

test('a server that ignores paging (returns everyone at once) is read once', async () => {
  scim.populate(250).ignoresPaging = true
  const { users, pages } = await drain(connect())
  expect(users).toHaveLength(250)
  expect(pages).toBe(1)
})

test('groups are paged with startIndex/count, without their members', async () => {
  scim.populate(2).populateGroups(150, 2)
  const { groups, pages } = await drainGroups(connect())
  expect([groups.length, pages]).toEqual([150, 2])
  const queries = scim.requests.map((r) => Object.fromEntries(new URLSearchParams(r.search)))
  expect(queries).toEqual([
    { startIndex: '1', count: '100', excludedAttributes: 'members' },
    { startIndex: '101', count: '100', excludedAttributes: 'members' },
  ])
})

test('members come in one response: Group members are skipped, members without a type are users', async () => {
  scim.populate(3)
  scim.groups.add(scimGroup(2), ['scim-3'])
  scim.groups.add(scimGroup(1), ['scim-1', scimMember('scim-group-2', 'Group'), scimMember('scim-2')])
  expect(await connect().fetchMembersPage('scim-group-1', null)).toEqual({ userIds: ['scim-1', 'scim-2'], next: null })
  expect(scim.log()).toEqual(['GET /scim/v2/Groups/scim-group-1 200'])
  expect(scim.requests[0]!.search).toBe('?attributes=members')
})
