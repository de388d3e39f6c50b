// The console session's cookie on the wire, and the origin rule for requests that carry it.
import { SESSION_COOKIE, SESSION_SECONDS } from './store'

/** The session cookie's value in a Cookie header, if any. */
export function sessionCookie(header: string | null): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=')
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim() || undefined
  }
  return undefined
}

// HttpOnly: page scripts never see it. SameSite=Strict: other sites' pages never send it.
// Path=/: the console's pages and the admin API both get it. Secure behind https.
export function setSessionCookie(value: string, publicUrl: string): string {
  return `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${SESSION_SECONDS}; HttpOnly; SameSite=Strict${secure(publicUrl)}`
}

export function clearSessionCookie(publicUrl: string): string {
  return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict${secure(publicUrl)}`
}

const secure = (publicUrl: string) => (publicUrl.startsWith('https:') ? '; Secure' : '')

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Whether a request carrying the session cookie may change state: reads always; a write
 * only from our own pages. SameSite=Strict alone is not enough: another port or
 * subdomain of our host is the same *site*, so its pages would send the cookie too.
 * Browsers send Sec-Fetch-Site (trusted when present) or at least Origin on writes; a
 * write with neither is refused.
 */
export function mayWriteWithCookie(request: Request, publicUrl: string): boolean {
  if (SAFE_METHODS.has(request.method)) return true
  const site = request.headers.get('sec-fetch-site')
  if (site) return site === 'same-origin'
  const origin = request.headers.get('origin')
  return origin !== null && (origin === new URL(publicUrl).origin || origin === new URL(request.url).origin)
}
