import { expect, test } from 'bun:test'
import { decryptSecret, encryptSecret, parseSecretsKey, SecretsError } from '../../../bridge/secrets'

const key = parseSecretsKey('0f'.repeat(32))
const settings = JSON.stringify({ tenantId: 't', clientSecret: 's3cr3t' })

test('a value round-trips, in the versioned format, without the plaintext', () => {
  const sealed = encryptSecret(settings, key, 'bridge:1')
  expect(sealed).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]+$/)
  expect(sealed).not.toContain('s3cr3t')
  expect(decryptSecret(sealed, key, 'bridge:1')).toBe(settings)
})

test('every encryption uses a fresh IV', () => {
  expect(encryptSecret(settings, key)).not.toBe(encryptSecret(settings, key))
})

test.each([
  ['another key', (s: string) => decryptSecret(s, parseSecretsKey('1e'.repeat(32)), 'bridge:1')],
  ['another bridge (the context is bound)', (s: string) => decryptSecret(s, key, 'bridge:2')],
  ['an altered ciphertext', (s: string) => decryptSecret(s.slice(0, -2) + (s.endsWith('AA') ? 'BB' : 'AA'), key, 'bridge:1')],
  ['a truncated value', (s: string) => decryptSecret(s.slice(0, 30), key, 'bridge:1')],
  ['an unknown version', (s: string) => decryptSecret(s.replace(/^v1/, 'v9'), key, 'bridge:1')],
])('decrypting with %s fails with a SecretsError', (_, open) => {
  const sealed = encryptSecret(settings, key, 'bridge:1')
  expect(() => open(sealed)).toThrow(SecretsError)
})

test.each([
  ['64 hex characters', 'ab'.repeat(32)],
  ['base64 of 32 bytes', Buffer.alloc(32, 7).toString('base64')],
])('SECRETS_KEY as %s is 32 bytes', (_, value) => {
  expect(parseSecretsKey(value)).toHaveLength(32)
})

test.each([
  [undefined, 'SECRETS_KEY is not set'],
  ['', 'SECRETS_KEY is not set'],
  [Buffer.alloc(16).toString('base64'), 'SECRETS_KEY must be 32 bytes'],
])('SECRETS_KEY %p is refused with a clear message', (value, message) => {
  expect(() => parseSecretsKey(value)).toThrow(message)
})
