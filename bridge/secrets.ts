// Provider settings at rest: AES-256-GCM with SECRETS_KEY, a random 12-byte IV per value,
// stored as `v1:<iv>:<ciphertext+tag>` (base64url). The version prefix leaves room for
// key rotation; the context (the bridge id) is bound as associated data, so a ciphertext
// copied onto another bridge's row fails to decrypt instead of lending it its credentials.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { Unavailable } from '../server/errors'

const VERSION = 'v1'
const IV_BYTES = 12
const TAG_BYTES = 16

export class SecretsError extends Error {
  override readonly name = 'SecretsError'
}

/** SECRETS_KEY (64 hex characters or base64 of 32 bytes, as config.ts accepts) -> the key bytes. */
export function parseSecretsKey(key: string | undefined): Buffer {
  if (!key) throw new SecretsError('SECRETS_KEY is not set: set it to 32 random bytes (64 hex characters) to store bridge credentials')
  const bytes = /^[0-9a-fA-F]{64}$/.test(key) ? Buffer.from(key, 'hex') : Buffer.from(key, 'base64')
  if (bytes.length !== 32) throw new SecretsError('SECRETS_KEY must be 32 bytes, as 64 hex characters or base64')
  return bytes
}

export function encryptSecret(plaintext: string, key: Buffer, context = ''): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(Buffer.from(context))
  const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()])
  return `${VERSION}:${iv.toString('base64url')}:${sealed.toString('base64url')}`
}

export function decryptSecret(stored: string, key: Buffer, context = ''): string {
  const [version, iv64, sealed64, ...rest] = stored.split(':')
  if (version !== VERSION || !iv64 || !sealed64 || rest.length) throw new SecretsError(`unknown secret format (expected ${VERSION}:<iv>:<data>)`)
  const iv = Buffer.from(iv64, 'base64url')
  const sealed = Buffer.from(sealed64, 'base64url')
  if (iv.length !== IV_BYTES || sealed.length < TAG_BYTES) throw new SecretsError('the stored secret is truncated')
  const decipher = createDecipheriv('aes-256-gcm', key, iv)
  decipher.setAAD(Buffer.from(context))
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]).toString('utf8')
  } catch {
    throw new SecretsError('the stored secret cannot be decrypted: SECRETS_KEY differs from the key it was written with, or the value was altered')
  }
}

/** SECRETS_KEY as the services need it: the key, or Unavailable (503) saying what cannot be kept without it. */
export function secretsKeyFor(configured: string | undefined, purpose: string): Buffer {
  try {
    return parseSecretsKey(configured)
  } catch (e) {
    if (e instanceof SecretsError) throw new Unavailable('secrets key', `cannot ${purpose}: ${e.message}`)
    throw e
  }
}
