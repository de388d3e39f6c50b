import { describe, expect, test } from 'bun:test'
import { ScimError } from '../../../../server/scim/errors'
import {
  resourceTypeResource,
  resourceTypesList,
  schemaResource,
  schemasList,
  serviceProviderConfig,
} from '../../../../server/scim/discovery'

const BASE = 'https://scim.example.com/api/connect/v1/scim/2.0'
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User'
const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group'

type Def = Record<string, unknown> & { name: string; subAttributes?: Def[] }

const schemas = schemasList(BASE)
const byId = (id: string) => schemas.Resources.find((s) => s.id === id)!
const walk = (defs: Def[], prefix = ''): [string, Def][] =>
  defs.flatMap((d) => [[prefix + d.name, d] as [string, Def], ...walk(d.subAttributes ?? [], `${prefix}${d.name}.`)])
const all = schemas.Resources.flatMap((s) => walk(s.attributes as Def[], `${s.name}:`))

describe('/Schemas', () => {
  test('is a ListResponse of the three schemas', () => {
    expect(schemas.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:ListResponse'])
    expect(schemas.totalResults).toBe(3)
    expect(schemas.Resources.map((s) => s.id)).toEqual([USER, ENT, GROUP])
    for (const s of schemas.Resources) {
      expect(s.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Schema'])
      expect(s.meta).toEqual({ resourceType: 'Schema', location: `${BASE}/Schemas/${s.id}` })
    }
  })

  test.each(all)('%s has the nine characteristics and nothing internal', (_, d) => {
    expect(typeof d.name).toBe('string')
    expect(['string', 'boolean', 'decimal', 'integer', 'dateTime', 'reference', 'binary', 'complex']).toContain(d.type as string)
    expect(typeof d.multiValued).toBe('boolean')
    expect(typeof d.description).toBe('string')
    expect((d.description as string).length).toBeGreaterThan(0)
    expect(typeof d.required).toBe('boolean')
    expect(typeof d.caseExact).toBe('boolean')
    expect(['readOnly', 'readWrite', 'immutable', 'writeOnly']).toContain(d.mutability as string)
    expect(['always', 'never', 'default', 'request']).toContain(d.returned as string)
    expect(['none', 'server', 'global']).toContain(d.uniqueness as string)
    expect(d).not.toHaveProperty('column')
    if (d.type === 'complex') expect(d.subAttributes!.length).toBeGreaterThan(0)
    else expect(d).not.toHaveProperty('subAttributes')
    if (d.type === 'reference') expect((d.referenceTypes as string[]).length).toBeGreaterThan(0)
  })

  test('User has every RFC 7643 §4.1 attribute plus the common ones', () => {
    expect((byId(USER).attributes as Def[]).map((a) => a.name)).toEqual([
      'id', 'externalId', 'meta', 'userName', 'name', 'displayName', 'nickName', 'profileUrl', 'title', 'userType',
      'preferredLanguage', 'locale', 'timezone', 'active', 'password', 'emails', 'phoneNumbers', 'ims', 'photos',
      'addresses', 'groups', 'entitlements', 'roles', 'x509Certificates',
    ])
  })

  test('Enterprise User and Group attributes', () => {
    expect((byId(ENT).attributes as Def[]).map((a) => a.name)).toEqual([
      'employeeNumber', 'costCenter', 'organization', 'division', 'department', 'manager',
    ])
    expect((byId(GROUP).attributes as Def[]).map((a) => a.name)).toEqual(['id', 'externalId', 'meta', 'displayName', 'members'])
  })

  const c = (path: string) => Object.fromEntries(all)[path]!
  test.each([
    ['User:id', { type: 'string', mutability: 'readOnly', returned: 'always', caseExact: true, uniqueness: 'server' }],
    ['User:externalId', { type: 'string', mutability: 'readWrite', caseExact: true }],
    ['User:meta', { type: 'complex', mutability: 'readOnly' }],
    ['User:meta.created', { type: 'dateTime', mutability: 'readOnly' }],
    ['User:meta.location', { type: 'reference', referenceTypes: ['uri'] }],
    ['User:userName', { type: 'string', required: true, caseExact: false, uniqueness: 'server', returned: 'default' }],
    ['User:name', { type: 'complex', multiValued: false }],
    ['User:name.givenName', { type: 'string', caseExact: false }],
    ['User:profileUrl', { type: 'reference', referenceTypes: ['external'] }],
    ['User:active', { type: 'boolean', multiValued: false }],
    ['User:password', { type: 'string', mutability: 'writeOnly', returned: 'never' }],
    ['User:emails', { type: 'complex', multiValued: true }],
    ['User:emails.type', { canonicalValues: ['work', 'home', 'other'] }],
    ['User:emails.primary', { type: 'boolean' }],
    ['User:phoneNumbers.type', { canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'] }],
    ['User:photos.value', { type: 'reference', referenceTypes: ['external'] }],
    ['User:addresses.primary', { type: 'boolean' }],
    ['User:addresses.country', { type: 'string' }],
    ['User:groups', { multiValued: true, mutability: 'readOnly' }],
    ['User:groups.$ref', { type: 'reference', referenceTypes: ['User', 'Group'], mutability: 'readOnly' }],
    ['User:groups.type', { canonicalValues: ['direct', 'indirect'], mutability: 'readOnly' }],
    ['User:x509Certificates.value', { type: 'binary' }],
    ['EnterpriseUser:manager', { type: 'complex', multiValued: false }],
    ['EnterpriseUser:manager.$ref', { type: 'reference', referenceTypes: ['User'] }],
    ['EnterpriseUser:manager.displayName', { mutability: 'readOnly' }],
    ['Group:displayName', { required: true }],
    ['Group:members', { multiValued: true, mutability: 'readWrite' }],
    ['Group:members.value', { mutability: 'immutable' }],
    ['Group:members.type', { canonicalValues: ['User', 'Group'] }],
  ] as const)('%s', (path, expected) => {
    expect(c(path)).toMatchObject(expected)
  })

  test('by id, case-insensitively; unknown is 404', () => {
    expect(schemaResource(ENT.toUpperCase(), BASE).id).toBe(ENT)
    const e = (() => {
      try {
        schemaResource('urn:nope', BASE)
      } catch (e) {
        return e as ScimError
      }
    })()!
    expect(e).toBeInstanceOf(ScimError)
    expect(e.status).toBe(404)
  })
})

describe('/ResourceTypes', () => {
  test('User (with the optional enterprise extension) and Group', () => {
    const list = resourceTypesList(BASE)
    expect(list.totalResults).toBe(2)
    expect(list.Resources).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: USER,
        schemaExtensions: [{ schema: ENT, required: false }],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: GROUP,
        schemaExtensions: [],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/Group` },
      },
    ])
    expect(list.Resources[0]).not.toHaveProperty('table')
  })

  test('by id, case-insensitively; unknown is 404', () => {
    expect(resourceTypeResource('group', BASE).id).toBe('Group')
    expect(() => resourceTypeResource('Device', BASE)).toThrow('no resource type "Device"')
  })
})

describe('/ServiceProviderConfig', () => {
  test('advertises what we support, from the parameters', () => {
    expect(
      serviceProviderConfig({ baseUrl: BASE, maxResults: 200, defaultPageSize: 100, maxPageSize: 200, cursorTimeout: 3600 }),
    ).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 200 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      pagination: {
        cursor: true,
        index: true,
        defaultPaginationMethod: 'index',
        defaultPageSize: 100,
        maxPageSize: 200,
        cursorTimeout: 3600,
      },
      authenticationSchemes: [expect.objectContaining({ type: 'oauthbearertoken', primary: true }) as never],
      meta: { resourceType: 'ServiceProviderConfig', location: `${BASE}/ServiceProviderConfig` },
    })
  })
})
