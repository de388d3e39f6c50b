// Microsoft Entra ID's provisioning client, request by request, in the shapes it
// sends (Microsoft's SCIM validator and provisioning docs): test connection, create,
// one-op-per-path updates with "False" strings, soft delete, groups, membership.
import { beforeAll, describe, expect, test } from 'bun:test'
import { ENTERPRISE, GROUP_SCHEMA, PATCH_OP, USER_SCHEMA, scimApp, tenant, type Send } from './helpers'

let scim: Send
beforeAll(async () => {
  const { app } = await scimApp()
  ;({ scim } = await tenant(app))
})

const q = encodeURIComponent
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP], Operations })

describe('Entra ID user and group lifecycle', () => {
  const suffix = crypto.randomUUID()
  const userName = `Test_User_${suffix}@contoso.onmicrosoft.com`
  const externalId = crypto.randomUUID()
  let id = ''
  let managerId = ''
  let groupId = ''

  test('1. test connection: a filter for a random user is 200 with totalResults 0', async () => {
    const r = await scim('GET', `/Users?filter=${q(`userName eq "${crypto.randomUUID()}"`)}`)
    expect(r.status).toBe(200)
    expect(r.body.totalResults).toBe(0)
    expect(r.body.Resources).toEqual([])
  })

  test('2. it looks the user up, finds nothing, creates it (201)', async () => {
    expect((await scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0)
    const manager = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `Manager_${suffix}@contoso.onmicrosoft.com`, displayName: 'Ms Manager', active: true })
    managerId = manager.body.id
    const r = await scim('POST', '/Users', {
      schemas: [USER_SCHEMA, ENTERPRISE],
      externalId,
      userName,
      active: true,
      displayName: 'Test User',
      emails: [{ primary: true, type: 'work', value: `Test_User_${suffix}@testuser.com` }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { employeeNumber: '1', department: 'Sales' },
    })
    expect(r.status).toBe(201)
    id = r.body.id
    expect(r.body).toMatchObject({ userName, externalId, active: true, [ENTERPRISE]: { department: 'Sales' } })
  })

  test('3. it reads the user back by filter (userName, externalId, any-case attribute names)', async () => {
    for (const filter of [`userName eq "${userName}"`, `externalId eq "${externalId}"`, `UserName eq "${userName.toLowerCase()}"`, `emails.Value eq "test_user_${suffix}@testuser.com"`]) {
      const r = await scim('GET', `/Users?filter=${q(filter)}`)
      expect(r.status).toBe(200)
      expect(r.body.totalResults).toBe(1)
      expect(r.body.Resources[0].id).toBe(id)
    }
    const byId = await scim('GET', `/Users/${id}`)
    expect(byId.body.userName).toBe(userName)
  })

  test('4. update: several attributes, one Replace per path, value paths and the enterprise URN', async () => {
    const r = await scim(
      'PATCH',
      `/Users/${id}`,
      patch(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: `updated_${suffix}@testuser.com` },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Replace', path: 'displayName', value: 'Updated User' },
        { op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 425 555 0100' },
        { op: 'Add', path: 'addresses[type eq "work"].locality', value: 'Redmond' },
        { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Engineering' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId },
        { op: 'Replace', path: 'title', value: 'Engineer' },
      ),
    )
    expect(r.status).toBe(200)
    expect(r.body).toMatchObject({
      displayName: 'Updated User',
      title: 'Engineer',
      name: { familyName: 'updatedFamilyName', givenName: 'givenName' },
      emails: [{ primary: true, type: 'work', value: `updated_${suffix}@testuser.com` }],
      phoneNumbers: [{ type: 'work', value: '+1 425 555 0100' }],
      addresses: [{ type: 'work', locality: 'Redmond' }],
      [ENTERPRISE]: { department: 'Engineering', employeeNumber: '1', manager: { value: managerId, displayName: 'Ms Manager' } },
    })
  })

  test('5. the same update again changes nothing (Entra re-sends)', async () => {
    const before = (await scim('GET', `/Users/${id}`)).body.meta.version
    const r = await scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'title', value: 'Engineer' }, { op: 'Replace', path: 'active', value: 'True' }))
    expect(r.body.meta.version).toBe(before)
  })

  test('6. soft delete: Replace active "False" keeps the user, readable and listed', async () => {
    const r = await scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'False' }))
    expect(r.status).toBe(200)
    expect(r.body.active).toBe(false)
    expect((await scim('GET', `/Users/${id}`)).body.active).toBe(false)
    const listed = await scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)
    expect(listed.body.Resources[0]).toMatchObject({ id, active: false })
  })

  test('7. re-enable: Replace active "True"', async () => {
    const r = await scim('PATCH', `/Users/${id}`, patch({ op: 'Replace', path: 'active', value: 'True' }))
    expect(r.body.active).toBe(true)
  })

  test('8. group: looked up by displayName without members, then created with POST', async () => {
    const displayName = `Group_${suffix}`
    const none = await scim('GET', `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${displayName}"`)}`)
    expect(none.body.totalResults).toBe(0)
    const r = await scim('POST', '/Groups', {
      externalId: crypto.randomUUID(),
      displayName,
      meta: { resourceType: 'Group' },
      members: [],
      schemas: [GROUP_SCHEMA],
    })
    expect(r.status).toBe(201)
    groupId = r.body.id
    const found = await scim('GET', `/Groups?excludedAttributes=members&filter=${q(`DisplayName eq "${displayName}"`)}`)
    expect(found.body.totalResults).toBe(1)
    expect(found.body.Resources[0].id).toBe(groupId)
    expect(found.body.Resources[0].members).toBeUndefined()
  })

  test('9. add a member, then remove it ({"op":"Add"/"Remove","path":"members","value":[{"$ref":null,"value":id}]})', async () => {
    const add = await scim('PATCH', `/Groups/${groupId}`, patch({ op: 'Add', path: 'members', value: [{ $ref: null, value: id }] }))
    expect(add.status).toBe(204)
    expect((await scim('GET', `/Groups/${groupId}`)).body.members.map((m: { value: string }) => m.value)).toEqual([id])
    expect((await scim('GET', `/Users/${id}`)).body.groups.map((g: { value: string }) => g.value)).toEqual([groupId])
    const remove = await scim('PATCH', `/Groups/${groupId}`, patch({ op: 'Remove', path: 'members', value: [{ $ref: null, value: id }] }))
    expect(remove.status).toBe(204)
    expect((await scim('GET', `/Groups/${groupId}`)).body.members).toBeUndefined()
  })

  test('10. group rename with Replace displayName', async () => {
    const r = await scim('PATCH', `/Groups/${groupId}`, patch({ op: 'Replace', path: 'displayName', value: `Renamed_${suffix}` }))
    expect(r.status).toBe(204)
    expect((await scim('GET', `/Groups/${groupId}`)).body.displayName).toBe(`Renamed_${suffix}`)
  })

  test('11. hard delete: DELETE /Users/{id} is 204, then the user is gone', async () => {
    expect((await scim('DELETE', `/Users/${id}`)).status).toBe(204)
    expect((await scim('GET', `/Users/${id}`)).status).toBe(404)
    expect((await scim('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`)).body.totalResults).toBe(0)
    expect((await scim('DELETE', `/Groups/${groupId}`)).status).toBe(204)
  })
})

describe('Entra with ?aadOptscim062020 (real booleans) and path-less updates', () => {
  test('booleans as booleans, and a path-less Replace of several attributes', async () => {
    const u = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `flag_${crypto.randomUUID()}@contoso.com`, active: true })
    const r = await scim('PATCH', `/Users/${u.body.id}`, patch({ op: 'Replace', value: { active: false, displayName: 'Flagged', 'name.givenName': 'Given' } }))
    expect(r.body).toMatchObject({ active: false, displayName: 'Flagged', name: { givenName: 'Given' } })
  })
})
