// ETags (RFC 7644 §3.14): meta.version, the ETag header, If-Match and If-None-Match.
import { beforeAll, describe, expect, test } from 'bun:test'
import { GROUP_SCHEMA, expectError, patchBody, scimApp, tenant, userBody, type Send } from './helpers'

let scim: Send
beforeAll(async () => {
  const { app } = await scimApp()
  ;({ scim } = await tenant(app))
})

describe('ETags', () => {
  test('every single-resource response carries ETag = meta.version', async () => {
    const u = await scim('POST', '/Users', userBody())
    expect(u.headers.get('etag')).toBe(u.body.meta.version)
    const got = await scim('GET', `/Users/${u.body.id}`)
    expect(got.headers.get('etag')).toBe('W/"1"')
    const put = await scim('PUT', `/Users/${u.body.id}`, userBody(u.body.userName, { title: 'x' }))
    expect(put.headers.get('etag')).toBe('W/"2"')
    const patched = await scim('PATCH', `/Users/${u.body.id}`, patchBody({ op: 'replace', path: 'title', value: 'y' }))
    expect(patched.headers.get('etag')).toBe('W/"3"')
    const list = await scim('GET', '/Users')
    expect(list.headers.get('etag')).toBeNull()
    expect(list.body.Resources.every((r: { meta: { version: string } }) => /^W\/"\d+"$/.test(r.meta.version))).toBe(true)
  })

  test('If-None-Match with the current version: 304, no body; otherwise 200', async () => {
    const u = await scim('POST', '/Users', userBody())
    const r = await scim('GET', `/Users/${u.body.id}`, undefined, { 'if-none-match': 'W/"1"' })
    expect(r.status).toBe(304)
    expect(r.body).toBeNull()
    expect(r.headers.get('etag')).toBe('W/"1"')
    expect((await scim('GET', `/Users/${u.body.id}`, undefined, { 'if-none-match': 'W/"7"' })).status).toBe(200)
    expect((await scim('GET', `/Users/${u.body.id}`, undefined, { 'if-none-match': '"1"' })).status).toBe(304)
    expect((await scim('GET', `/Users/${u.body.id}`, undefined, { 'if-none-match': '*' })).status).toBe(304)
  })

  test('If-Match with the current version lets a write through; a stale one is 412 and writes nothing', async () => {
    const u = await scim('POST', '/Users', userBody())
    const ok = await scim('PATCH', `/Users/${u.body.id}`, patchBody({ op: 'replace', path: 'title', value: 'one' }), { 'if-match': 'W/"1"' })
    expect(ok.status).toBe(200)
    const stale = await scim('PATCH', `/Users/${u.body.id}`, patchBody({ op: 'replace', path: 'title', value: 'two' }), { 'if-match': 'W/"1"' })
    expectError(stale, 412, 'invalidVers')
    expect((await scim('GET', `/Users/${u.body.id}`)).body.title).toBe('one')
    expectError(await scim('PUT', `/Users/${u.body.id}`, userBody(u.body.userName), { 'if-match': 'W/"1"' }), 412)
    expectError(await scim('DELETE', `/Users/${u.body.id}`, undefined, { 'if-match': 'W/"1"' }), 412)
    expect((await scim('DELETE', `/Users/${u.body.id}`, undefined, { 'if-match': 'W/"2", W/"3"' })).status).toBe(204)
  })

  test('groups have versions too; a membership change moves it', async () => {
    const u = await scim('POST', '/Users', userBody())
    const g = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'E' })
    expect(g.headers.get('etag')).toBe('W/"1"')
    const p = await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'add', path: 'members', value: [{ value: u.body.id }] }), { 'if-match': 'W/"1"' })
    expect(p.status).toBe(204)
    expect(p.headers.get('etag')).toBe('W/"2"')
    expectError(await scim('PATCH', `/Groups/${g.body.id}`, patchBody({ op: 'replace', path: 'displayName', value: 'F' }), { 'if-match': 'W/"1"' }), 412)
  })
})
