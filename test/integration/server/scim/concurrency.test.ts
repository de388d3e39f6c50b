// Concurrent writers: the unique index decides create races, row locks serialise
// read-modify-writes so no update is lost.
import { beforeAll, describe, expect, test } from 'bun:test'
import { connect } from '../../../../server/db/client'
import { holdLocks, testApp } from '../../../support'
import { countOf, ERROR, GROUP_SCHEMA, patchBody, scimApp, tenant, uniqueName, userBody, type Send } from './helpers'

let scim: Send
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let orgId: string
beforeAll(async () => {
  const t = await scimApp()
  sql = t.sql
  ;({ scim, orgId } = await tenant(t.app))
})

describe('concurrency', () => {
  test('50 parallel POSTs of the same userName: exactly one 201, 49 409s, one row', async () => {
    const name = uniqueName('race')
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => scim('POST', '/Users', userBody(i % 2 ? name : name.toUpperCase()))))
    const statuses = results.map((r) => r.status).sort()
    expect(statuses.filter((s) => s === 201)).toHaveLength(1)
    expect(statuses.filter((s) => s === 409)).toHaveLength(49)
    for (const r of results.filter((x) => x.status === 409)) expect(r.body.scimType).toBe('uniqueness')
    const n = await countOf(sql`select count(*)::int as n from users where organization_id = ${orgId} and lower(user_name) = ${name.toLowerCase()}`)
    expect(n).toBe(1)
  }, 30_000)

  test('a user another writer holds (a directory sync) answers 503 + Retry-After at the lock timeout, and is audited', async () => {
    const pool = connect(process.env.DATABASE_URL!, 2, { lockTimeoutMs: 300 })
    try {
      const { app } = await testApp({ sql: pool })
      const t = await tenant(app)
      const u = (await t.scim('POST', '/Users', userBody())).body
      const held = await holdLocks(sql, (tx) => tx`select 1 from users where id = ${u.id} for update`)
      const busy = await t.scim('PATCH', `/Users/${u.id}`, patchBody({ op: 'replace', path: 'title', value: 'blocked' }))
      expect(busy.status).toBe(503)
      expect(busy.headers.get('retry-after')).toBe('5')
      expect(busy.body).toMatchObject({ schemas: [ERROR], status: '503', detail: expect.stringContaining('another writer') })
      await held.release()
      const ok = await t.scim('PATCH', `/Users/${u.id}`, patchBody({ op: 'replace', path: 'title', value: 'after' }))
      expect(ok.status).toBe(200)
      expect(ok.body.title).toBe('after')
      for (const deadline = Date.now() + 5000; Date.now() < deadline; await Bun.sleep(50)) {
        const n = await countOf(sql`select count(*)::int as n from scim_events where organization_id = ${t.orgId} and status = 503 and user_id = ${u.id}`)
        if (n === 1) return
      }
      throw new Error('the 503 was not audited')
    } finally {
      await pool.end()
    }
  }, 30_000)

  test('concurrent PATCHes to different attributes all land; versions count every change', async () => {
    const u = (await scim('POST', '/Users', userBody())).body
    const attrs = ['title', 'nickName', 'displayName', 'userType', 'locale', 'timezone', 'preferredLanguage', 'profileUrl']
    const results = await Promise.all(attrs.map((a) => scim('PATCH', `/Users/${u.id}`, patchBody({ op: 'replace', path: a, value: `v-${a}` }))))
    expect(results.every((r) => r.status === 200)).toBe(true)
    const got = (await scim('GET', `/Users/${u.id}`)).body
    for (const a of attrs) expect(got[a]).toBe(`v-${a}`)
    expect(got.meta.version).toBe(`W/"${1 + attrs.length}"`)
  }, 30_000)

  test('concurrent adds to one multi-valued attribute keep every value', async () => {
    const u = (await scim('POST', '/Users', userBody())).body
    const phones = Array.from({ length: 10 }, (_, i) => `+1-555-000-${String(i).padStart(4, '0')}`)
    await Promise.all(phones.map((value) => scim('PATCH', `/Users/${u.id}`, patchBody({ op: 'add', path: 'phoneNumbers', value: [{ value }] }))))
    const got = (await scim('GET', `/Users/${u.id}`)).body
    expect(got.phoneNumbers.map((p: { value: string }) => p.value).sort()).toEqual(phones)
  }, 30_000)

  test('concurrent membership PATCHes on one group lose nothing', async () => {
    const users = await Promise.all(Array.from({ length: 20 }, () => scim('POST', '/Users', userBody())))
    const g = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Busy' })).body
    const r = await Promise.all(users.map((u) => scim('PATCH', `/Groups/${g.id}`, patchBody({ op: 'Add', path: 'members', value: [{ value: u.body.id }] }))))
    expect(r.every((x) => x.status === 204)).toBe(true)
    const n = await countOf(sql`select count(*)::int as n from group_members where organization_id = ${orgId} and group_id = ${g.id}`)
    expect(n).toBe(20)
    expect((await scim('GET', `/Groups/${g.id}`)).body.meta.version).toBe('W/"21"')
  }, 30_000)
})
