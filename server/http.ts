// Small helpers shared by the HTTP plugins (admin, health, SCIM).

/** Constant-time comparison of two secrets of any length (compares their digests). */
export function safeEqual(a: string, b: string): boolean {
  const ha = new Bun.CryptoHasher('sha256').update(a).digest()
  const hb = new Bun.CryptoHasher('sha256').update(b).digest()
  return crypto.timingSafeEqual(ha, hb)
}

export function bearer(header: string | null | undefined): string | null {
  const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(header ?? '')
  return m ? m[1]! : null
}
