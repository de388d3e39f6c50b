// Hostile and broken input: each gets a clear 4xx in SCIM format, never a 500, and
// nothing is half-written.
import { beforeAll, describe, expect, test } from 'bun:test'
import { BASE, GROUP_SCHEMA, USER_SCHEMA, countOf, patchBody, scimApp, tenant, userBody, type Send } from './helpers'

let app: Awaited<ReturnType<typeof scimApp>>['app']
let sql: Awaited<ReturnType<typeof scimApp>>['sql']
let scim: Send
let token: string
let orgId: string
let userId: string
let groupId: string
beforeAll(async () => {
  ;({ app, sql } = await scimApp())
  ;({ scim, token, orgId } = await tenant(app))
  userId = (await scim('POST', '/Users', userBody(undefined, { title: 'Original' }))).body.id
  groupId = (await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'Original' })).body.id
})

/** The organization's data, to prove a refused request changed nothing. */
const snapshot = async () => ({
  users: await countOf(sql`select count(*)::int as n from users where organization_id = ${orgId}`),
  groups: await countOf(sql`select count(*)::int as n from groups where organization_id = ${orgId}`),
  members: await countOf(sql`select count(*)::int as n from group_members where organization_id = ${orgId}`),
  versions: (await sql`select version from users where organization_id = ${orgId} and id = ${userId}`)[0]!.version,
})

const raw = (method: string, path: string, body: string | Uint8Array, type = 'application/scim+json') =>
  app.handle(new Request(`http://localhost${BASE}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': type }, body }))

async function expect4xx(res: Response | Promise<Response>, statuses: number[] = [400]) {
  const r = await res
  const body = (await r.json()) as { schemas: string[]; status: string; scimType?: string }
  expect(statuses).toContain(r.status)
  expect(r.headers.get('content-type')).toBe('application/scim+json; charset=utf-8')
  expect(body.schemas).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error'])
  expect(body.status).toBe(String(r.status))
  return body
}

const targets = () => [
  ['POST', '/Users'],
  ['PUT', `/Users/${userId}`],
  ['PATCH', `/Users/${userId}`],
  ['POST', '/Groups'],
  ['PATCH', `/Groups/${groupId}`],
  ['POST', '/Users/.search'],
] as const

describe('malformed JSON', () => {
  test.each([
    ['truncated', '{"userName": "x"'],
    ['trailing comma', '{"userName": "x",}'],
    ['single quotes', "{'userName': 'x'}"],
    ['not JSON at all', 'userName=x'],
    ['empty', ''],
    ['whitespace', '   \n'],
    ['a raw NUL byte', '{"userName": "a\u0000b"}'],
    ['two documents', '{"a":1}{"b":2}'],
  ])('%s -> 400 invalidSyntax everywhere', async (_, text) => {
    const before = await snapshot()
    for (const [method, path] of targets()) {
      const body = await expect4xx(raw(method, path, text))
      expect(body.scimType).toBe('invalidSyntax')
    }
    expect(await snapshot()).toEqual(before)
  })
})

describe('wrong types', () => {
  test.each([
    ['userName as an object', { schemas: [USER_SCHEMA], userName: { a: 1 } }],
    ['emails as a boolean', { schemas: [USER_SCHEMA], userName: 'wt1@example.com', emails: true }],
    ['active as a number', { schemas: [USER_SCHEMA], userName: 'wt2@example.com', active: 1 }],
    ['name.givenName as an array', { schemas: [USER_SCHEMA], userName: 'wt3@example.com', name: { givenName: ['a'] } }],
    ['enterprise extension as a string', { schemas: [USER_SCHEMA], userName: 'wt4@example.com', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': 'x' }],
    ['x509 value not base64', { schemas: [USER_SCHEMA], userName: 'wt5@example.com', x509Certificates: [{ value: '<<>>' }] }],
  ])('%s -> 400 invalidValue on POST and PUT', async (_, body) => {
    const before = await snapshot()
    expect((await expect4xx(raw('POST', '/Users', JSON.stringify(body)))).scimType).toBe('invalidValue')
    expect((await expect4xx(raw('PUT', `/Users/${userId}`, JSON.stringify(body)))).scimType).toBe('invalidValue')
    expect(await snapshot()).toEqual(before)
  })

  test('PatchOp fields of the wrong type', async () => {
    const before = await snapshot()
    for (const body of [
      { schemas: 'urn:ietf:params:scim:api:messages:2.0:PatchOp', Operations: [] },
      patchBody('replace'),
      patchBody({ op: 1, path: 'title', value: 'x' }),
      patchBody({ op: 'replace', path: 42, value: 'x' }),
      patchBody({ op: 'replace', path: 'title', value: { nested: 1 } }),
    ]) {
      await expect4xx(raw('PATCH', `/Users/${userId}`, JSON.stringify(body)))
    }
    expect(await snapshot()).toEqual(before)
  })

  test('group members of the wrong shape', async () => {
    const before = await snapshot()
    await expect4xx(raw('POST', '/Groups', JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'x', members: [{ value: 5 }] })))
    await expect4xx(raw('PATCH', `/Groups/${groupId}`, JSON.stringify(patchBody({ op: 'add', path: 'members', value: [{ nope: 1 }] }))))
    await expect4xx(raw('PATCH', `/Groups/${groupId}`, JSON.stringify(patchBody({ op: 'add', path: 'members', value: [1, 2] }))))
    expect(await snapshot()).toEqual(before)
  })
})

describe('size and shape', () => {
  test('a 10 MB body is 413, whether or not its size is declared', async () => {
    const before = await snapshot()
    const big = JSON.stringify(userBody(undefined, { title: 'x'.repeat(10 * 1024 * 1024) }))
    await expect4xx(raw('POST', '/Users', big), [413])
    let sent = 0
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024))
    const stream = new ReadableStream<Uint8Array>({
      pull(c) {
        if (sent === 0) c.enqueue(new TextEncoder().encode('{"userName":"'))
        if (sent >= 10 * 1024 * 1024) return c.close()
        sent += chunk.byteLength
        c.enqueue(chunk)
      },
    })
    const r = await app.handle(
      new Request(`http://localhost${BASE}/Users`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: stream, duplex: 'half' } as RequestInit),
    )
    await expect4xx(r, [413])
    expect(sent).toBeLessThan(2 * 1024 * 1024) // refused after ~1 MB, not buffered to 10 MB
    expect(await snapshot()).toEqual(before)
  }, 30_000)

  test('100,000-element arrays: a clear 4xx, nothing written', async () => {
    const before = await snapshot()
    const many = <T>(x: T) => Array.from({ length: 100_000 }, () => x)
    for (const [method, path, body] of [
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 'arr1@example.com', emails: many('a') }],
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 'arr2@example.com', phoneNumbers: many({ value: '1' }) }],
      ['PATCH', `/Users/${userId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: many(1) }],
      ['PATCH', `/Users/${userId}`, patchBody({ op: 'add', path: 'emails', value: many('e') })],
      ['PATCH', `/Users/${userId}`, patchBody({ op: 'add', path: 'emails', value: Array.from({ length: 30_000 }, (_, i) => `e${i}@x.io`) })],
      ['PATCH', `/Users/${userId}`, patchBody(...Array.from({ length: 20_000 }, (_, i) => ({ op: 'add', path: 'emails', value: `e${i}@x.io` })))],
      ['POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'arr', members: many(1) }],
      ['PATCH', `/Groups/${groupId}`, patchBody({ op: 'add', path: 'members', value: many({ value: 'x' }) })],
      ['POST', '/Users', { schemas: [USER_SCHEMA], userName: 'arr3@example.com', many: many(0) }],
    ] as const) {
      await expect4xx(raw(method, path, JSON.stringify(body)), [400, 413])
    }
    expect(await snapshot()).toEqual(before)
  }, 30_000)

  test('a group PATCH with more than 1,000 operations is 400 (the engine folds them pairwise)', async () => {
    const ops = Array.from({ length: 1001 }, () => ({ op: 'add', path: 'members', value: [] }))
    const body = await expect4xx(raw('PATCH', `/Groups/${groupId}`, JSON.stringify(patchBody(...ops))))
    expect(body.scimType).toBe('invalidValue')
    expect((await scim('PATCH', `/Groups/${groupId}`, patchBody(...ops.slice(0, 1000)))).status).toBe(204)
  })

  test('deep nesting is 400, at any depth up to the size limit', async () => {
    const before = await snapshot()
    for (const depth of [40, 1_000, 100_000, 400_000]) {
      const nested = `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","x":${'['.repeat(depth)}${']'.repeat(depth)}}`
      await expect4xx(raw('POST', '/Users', nested), [400, 413])
      const objects = `{"schemas":["${USER_SCHEMA}"],"userName":"deep@example.com","x":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`
      await expect4xx(raw('POST', '/Users', objects), [400, 413])
    }
    expect(await snapshot()).toEqual(before)
  }, 30_000)

  test('NUL characters, escaped or in keys, are 400 and never stored', async () => {
    const before = await snapshot()
    await expect4xx(raw('POST', '/Users', JSON.stringify(userBody('nul\u0000@example.com'))))
    await expect4xx(raw('POST', '/Users', JSON.stringify({ ...userBody(), ['ti\u0000tle']: 'x' })))
    await expect4xx(raw('PATCH', `/Users/${userId}`, JSON.stringify(patchBody({ op: 'replace', path: 'title', value: 'a\u0000b' }))))
    await expect4xx(raw('POST', '/Groups', JSON.stringify({ schemas: [GROUP_SCHEMA], displayName: 'g\u0000' })))
    expect(await snapshot()).toEqual(before)
    expect((await scim('GET', `/Users/${userId}`)).body.title).toBe('Original')
  })

  test('invalid UTF-8 is 400, never stored', async () => {
    const before = await snapshot()
    const bytes = (s: string, bad: number[]) => {
      const head = new TextEncoder().encode(s)
      return new Uint8Array([...head, ...bad, ...new TextEncoder().encode('"}')])
    }
    for (const bad of [[0xff], [0xc3, 0x28], [0xe2, 0x82], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80]]) {
      const body = await expect4xx(raw('POST', '/Users', bytes(`{"schemas":["${USER_SCHEMA}"],"userName":"utf8`, bad)))
      expect(body.scimType).toBe('invalidSyntax')
    }
    expect(await snapshot()).toEqual(before)
  })

  test('valid unicode, lone surrogates and emoji are fine', async () => {
    const r = await scim('POST', '/Users', userBody(`ünïcödé-${crypto.randomUUID()}@例え.jp`, { displayName: '👩‍💻 Zoë \ud800' }))
    expect(r.status).toBe(201)
    expect((await scim('GET', `/Users/${r.body.id}`)).body.displayName).toStartWith('👩‍💻 Zoë')
  })

  test('query strings: odd values are 4xx, not 500', async () => {
    for (const qs of [
      'count=99999999999999999999',
      'startIndex=1e309',
      `filter=${encodeURIComponent('meta.created gt "not a date"')}`,
      `filter=${encodeURIComponent('meta.created gt "2024-02-30T00:00:00Z"')}`,
      `filter=userName%20eq%20%22%ED%A0%80%22`,
      `sortBy=${encodeURIComponent('urn:nope:x')}`,
      `attributes=${encodeURIComponent('[]{}')}`,
      `cursor=${'A'.repeat(5000)}`,
    ]) {
      const r = await scim('GET', `/Users?${qs}`)
      expect(r.status).toBeLessThan(500)
    }
  })
})
