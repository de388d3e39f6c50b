import { describe, expect, test } from 'bun:test'
import { capText, isSecretKey, isSecretPath, JsonText, REDACTED, redactText, redactValue, serializeBody } from '../../../../server/audit/redact'

const TOKEN = `scim_${'A1b2-C3d4_'.repeat(4)}xyz`

describe('secret keys', () => {
  test.each([
    'password', 'PASSWORD', 'Password', 'newPassword', 'secret', 'clientSecret', 'client_secret', 'token', 'apiToken',
    'access_token', 'refreshToken', 'authorization', 'Authorization', 'serviceAccountKey', 'private_key', 'privateKey',
    'x-api-key', 'apiKey',
  ])('%s is secret', (key) => expect(isSecretKey(key)).toBe(true))

  test.each(['userName', 'displayName', 'tokenUrl', 'value', 'emails', 'secretary2', 'passwordless', 'id', 'externalId'])(
    '%s is not secret',
    (key) => expect(isSecretKey(key)).toBe(false),
  )

  test.each([
    ['password', true],
    ['Password', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:password', true],
    ['credentials.apiToken', true],
    ['emails[type eq "work"].value', false],
    ['name.givenName', false],
    ['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', false],
  ] as const)('PATCH path %s -> %p', (path, secret) => expect(isSecretPath(path)).toBe(secret))
})

describe('redactValue', () => {
  test.each([
    ['a top-level password', { userName: 'bjensen', password: 'hunter2' }, { userName: 'bjensen', password: REDACTED }],
    ['case-insensitive at any depth', { a: { b: [{ PassWord: 'x', keep: 1 }] } }, { a: { b: [{ PassWord: REDACTED, keep: 1 }] } }],
    [
      'Okta create with password and groups',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@b.c', password: 'P@ss', groups: [] },
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'a@b.c', password: REDACTED, groups: [] },
    ],
    [
      'a path-less PATCH with a password inside value',
      { Operations: [{ op: 'replace', value: { active: true, password: 'x' } }] },
      { Operations: [{ op: 'replace', value: { active: true, password: REDACTED } }] },
    ],
    [
      'a PATCH op with path "password"',
      { Operations: [{ op: 'Replace', path: 'password', value: 'x' }, { op: 'replace', path: 'displayName', value: 'Barbara' }] },
      { Operations: [{ op: 'Replace', path: 'password', value: REDACTED }, { op: 'replace', path: 'displayName', value: 'Barbara' }] },
    ],
    [
      'a PATCH op with a URN password path and a non-string value',
      { Operations: [{ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: { nested: 'x' } }] },
      { Operations: [{ op: 'add', path: 'urn:ietf:params:scim:schemas:core:2.0:User:password', value: REDACTED }] },
    ],
    [
      'bridge settings secrets',
      { settings: { tenantId: 't', clientId: 'c', clientSecret: 's', serviceAccountKey: { private_key: 'k' }, apiToken: 'o', token: 't' } },
      { settings: { tenantId: 't', clientId: 'c', clientSecret: REDACTED, serviceAccountKey: REDACTED, apiToken: REDACTED, token: REDACTED } },
    ],
    ['a secret that is null or an object', { secret: null, token: { a: 1 } }, { secret: REDACTED, token: REDACTED }],
    ['a bearer token inside a string', { detail: 'sent Authorization: Bearer abc.def-ghi' }, { detail: `sent Authorization: Bearer ${REDACTED}` }],
    ['a scim token inside a string', { note: `use ${TOKEN} please` }, { note: `use ${REDACTED} please` }],
    ['scalars are kept', { n: 1, b: false, z: null, s: 'plain' }, { n: 1, b: false, z: null, s: 'plain' }],
  ] as const)('%s', (_, input, expected) => expect(redactValue(input)).toEqual(expected))

  test('does not mutate its input', () => {
    const input = { password: 'x', nested: { token: 'y' } }
    redactValue(input)
    expect(input).toEqual({ password: 'x', nested: { token: 'y' } })
  })

  test('hostile nesting is cut, not a stack overflow', () => {
    let deep: unknown = 'leaf'
    for (let i = 0; i < 10_000; i++) deep = [deep]
    const out = JSON.stringify(redactValue(deep))
    expect(out).toContain('[too deep]')
    expect(out.length).toBeLessThan(200)
  })

  test('dates serialise as JSON would', () => {
    expect(redactValue({ at: new Date('2025-01-01T00:00:00Z') })).toEqual({ at: '2025-01-01T00:00:00.000Z' })
  })
})

describe('redactText', () => {
  test.each([
    ['Bearer abc123', `Bearer ${REDACTED}`],
    ['authorization: bearer eyJhbGciOi.eyJzdWIi.sig_-x', `authorization: bearer ${REDACTED}`],
    ['Basic dXNlcjpwYXNz', `Basic ${REDACTED}`],
    [`token ${TOKEN}`, `token ${REDACTED}`],
    ['scim_configuration_id', 'scim_configuration_id'],
    ['/Users?access_token=abc&filter=x', `/Users?access_token=${REDACTED}&filter=x`],
    ['{"userName":"a","password":"hunter2"', `{"userName":"a","password":"${REDACTED}"`],
    ['{"password" : "hun\\"ter2", "x": 1}', `{"password" : "${REDACTED}", "x": 1}`],
    ['{"apiToken": 12345}', `{"apiToken": "${REDACTED}"}`],
    ['{"password": "cut off in the mid', `{"password": "${REDACTED}"`],
    ['nothing to see', 'nothing to see'],
  ])('%s', (input, expected) => expect(redactText(input)).toBe(expected))
})

describe('serializeBody', () => {
  test('no body is null', () => {
    expect(serializeBody(undefined, 1000)).toBeNull()
    expect(serializeBody(null, 1000)).toBeNull()
  })

  test('an object becomes redacted JSON', () => {
    expect(serializeBody({ userName: 'a', password: 'p' }, 1000)).toBe(`{"userName":"a","password":"${REDACTED}"}`)
  })

  test('already serialized JSON (a response) is kept as is, or redacted when it may hold a secret', () => {
    const plain = JSON.stringify({ userName: 'a', emails: [{ value: 'a@x' }] })
    expect(serializeBody(new JsonText(plain), 1000)).toBe(plain)
    expect(serializeBody(new JsonText(JSON.stringify({ apiToken: 't', n: 1 })), 1000)).toBe(`{"apiToken":"${REDACTED}","n":1}`)
    // A secret-ish word that is no secret survives the slow path unchanged.
    expect(serializeBody(new JsonText('{"title":"Keyholder"}'), 1000)).toBe('{"title":"Keyholder"}')
    expect(serializeBody(new JsonText(JSON.stringify({ big: 'x'.repeat(5000) })), 300)).toMatch(/…\[truncated \d+ bytes\]$/)
  })

  test('a raw JSON string is parsed, redacted and re-serialised', () => {
    expect(serializeBody('{ "password": "p", "x": [1] }', 1000)).toBe(`{"password":"${REDACTED}","x":[1]}`)
  })

  test('malformed JSON is redacted as text', () => {
    expect(serializeBody('{"password":"p",', 1000)).toBe(`{"password":"${REDACTED}",`)
  })

  test('bytes are decoded', () => {
    expect(serializeBody(new TextEncoder().encode('{"token":"t"}'), 1000)).toBe(`{"token":"${REDACTED}"}`)
  })

  test('a large body is capped with a marker', () => {
    const out = serializeBody({ data: 'x'.repeat(10_000) }, 300)!
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(300)
    expect(out).toMatch(/…\[truncated \d+ bytes\]$/)
    expect(out.startsWith('{"data":"xxx')).toBe(true)
  })
})

describe('capText', () => {
  test('short text is unchanged', () => expect(capText('hello', 5)).toBe('hello'))
  test('text exactly at the limit in bytes is unchanged; one byte over is cut', () => {
    expect(capText('a'.repeat(100), 100)).toBe('a'.repeat(100))
    expect(capText('é'.repeat(50), 100)).toBe('é'.repeat(50))
    expect(capText('é'.repeat(51), 100)).toMatch(/^é+…\[truncated \d+ bytes\]$/)
    expect(Buffer.byteLength(capText('é'.repeat(51), 100))).toBeLessThanOrEqual(100)
  })

  test('N is the number of bytes cut and the result fits', () => {
    const text = 'a'.repeat(1000)
    const out = capText(text, 100)
    const n = Number(/truncated (\d+) bytes/.exec(out)![1])
    const kept = out.slice(0, out.indexOf('…'))
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(100)
    expect(kept.length + n).toBe(1000)
  })

  test('never splits a multi-byte character', () => {
    const text = '€'.repeat(500) // 3 bytes each
    for (const max of [100, 101, 102, 103]) {
      const out = capText(text, max)
      expect(out).not.toContain('\uFFFD')
      const kept = out.slice(0, out.indexOf('…'))
      const n = Number(/truncated (\d+) bytes/.exec(out)![1])
      expect(Buffer.byteLength(kept) + n).toBe(1500)
      expect(Buffer.byteLength(out)).toBeLessThanOrEqual(max)
    }
  })
})
