// SCIM bearer tokens: 32 random bytes behind a recognisable prefix, stored as SHA-256.
const PREFIX = 'scim_'

export function newToken(): string {
  return PREFIX + Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64url')
}

export function hashToken(token: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update(token).digest())
}
