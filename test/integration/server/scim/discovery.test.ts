// Discovery (RFC 7644 §4) over HTTP: generated from the schema definitions, with
// the public URL in every location.
import { beforeAll, describe, expect, test } from 'bun:test'
import { ENTERPRISE, GROUP_SCHEMA, LIST_RESPONSE, USER_SCHEMA, client, expectError, scimApp, type Send } from './helpers'

let scim: Send
const PUBLIC = 'https://scim.example.com'
beforeAll(async () => {
  const { app } = await scimApp({ PUBLIC_URL: PUBLIC })
  scim = client(app, null)
})
const base = `${PUBLIC}/api/connect/v1/scim/2.0`

describe('discovery', () => {
  test('ServiceProviderConfig advertises patch, filter, sort, etag, pagination; no bulk, no changePassword', async () => {
    const r = await scim('GET', '/ServiceProviderConfig')
    expect(r.status).toBe(200)
    expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
    expect(r.body).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: { cursor: true, index: true, defaultPageSize: 100, maxPageSize: 1000 },
      meta: { resourceType: 'ServiceProviderConfig', location: `${base}/ServiceProviderConfig` },
    })
    expect(r.body.authenticationSchemes[0].type).toBe('oauthbearertoken')
  })

  test('ResourceTypes lists User (with the Enterprise extension) and Group; each by id', async () => {
    const r = await scim('GET', '/ResourceTypes')
    expect(r.body.schemas).toEqual([LIST_RESPONSE])
    expect(r.body.totalResults).toBe(2)
    const user = r.body.Resources.find((x: { id: string }) => x.id === 'User')
    expect(user).toMatchObject({ endpoint: '/Users', schema: USER_SCHEMA, schemaExtensions: [{ schema: ENTERPRISE, required: false }], meta: { location: `${base}/ResourceTypes/User` } })
    expect((await scim('GET', '/ResourceTypes/Group')).body).toMatchObject({ id: 'Group', endpoint: '/Groups', schema: GROUP_SCHEMA })
    expectError(await scim('GET', '/ResourceTypes/Nope'), 404)
  })

  test('Schemas lists the three schemas with every characteristic; each by URN', async () => {
    const r = await scim('GET', '/Schemas')
    expect(r.body.Resources.map((s: { id: string }) => s.id).sort()).toEqual([ENTERPRISE, GROUP_SCHEMA, USER_SCHEMA].sort())
    const user = await scim('GET', `/Schemas/${USER_SCHEMA}`)
    expect(user.status).toBe(200)
    const userName = user.body.attributes.find((a: { name: string }) => a.name === 'userName')
    expect(userName).toMatchObject({ type: 'string', multiValued: false, required: true, caseExact: false, mutability: 'readWrite', returned: 'default', uniqueness: 'server' })
    const password = user.body.attributes.find((a: { name: string }) => a.name === 'password')
    expect(password).toMatchObject({ mutability: 'writeOnly', returned: 'never' })
    for (const name of ['name', 'emails', 'phoneNumbers', 'addresses', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates', 'groups']) {
      expect(user.body.attributes.map((a: { name: string }) => a.name)).toContain(name)
    }
    expect(JSON.stringify(user.body)).not.toContain('column')
    const ext = await scim('GET', `/Schemas/${ENTERPRISE}`)
    expect(ext.body.attributes.find((a: { name: string }) => a.name === 'manager').subAttributes.map((s: { name: string }) => s.name)).toEqual(['value', '$ref', 'displayName'])
    expectError(await scim('GET', '/Schemas/urn:nope'), 404)
  })

  test('a filter on a discovery endpoint is 403 (RFC 7644 §4)', async () => {
    expectError(await scim('GET', `/Schemas?filter=${encodeURIComponent('id eq "x"')}`), 403)
  })

  test('discovery is read-only: other methods are 405 with Allow', async () => {
    const r = await scim('POST', '/ServiceProviderConfig', {})
    expectError(r, 405)
    expect(r.headers.get('allow')).toBe('GET')
  })
})
