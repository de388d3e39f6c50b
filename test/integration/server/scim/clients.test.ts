// Smaller clients: OneLogin's string booleans, JumpCloud's
// create-then-delete check.
import { beforeAll, describe, expect, test } from 'bun:test'
import { GROUP_SCHEMA, USER_SCHEMA, scimApp, tenant, type Send } from './helpers'

let scim: Send
beforeAll(async () => {
  const { app } = await scimApp()
  ;({ scim } = await tenant(app))
})

describe('OneLogin', () => {
  test('"active": "true" and "false" as strings', async () => {
    const r = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `ol.${crypto.randomUUID()}@example.com`, active: 'true' })
    expect(r.status).toBe(201)
    expect(r.body.active).toBe(true)
    const put = await scim('PUT', `/Users/${r.body.id}`, { schemas: [USER_SCHEMA], userName: r.body.userName, active: 'false' })
    expect(put.body.active).toBe(false)
  })
})

describe('JumpCloud', () => {
  test('creates a user and a group, then deletes both', async () => {
    const u = await scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: `jc.${crypto.randomUUID()}@example.com`, name: { givenName: 'J', familyName: 'C' }, emails: [{ value: 'jc@example.com', primary: true }] })
    expect(u.status).toBe(201)
    const g = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: `jc-${crypto.randomUUID()}`, members: [{ value: u.body.id }] })
    expect(g.status).toBe(201)
    expect((await scim('DELETE', `/Groups/${g.body.id}`)).status).toBe(204)
    expect((await scim('DELETE', `/Users/${u.body.id}`)).status).toBe(204)
    expect((await scim('GET', `/Users/${u.body.id}`)).status).toBe(404)
    expect((await scim('GET', `/Groups/${g.body.id}`)).status).toBe(404)
  })
})
