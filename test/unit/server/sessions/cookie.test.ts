import { expect, test } from 'bun:test'
import { clearSessionCookie, mayWriteWithCookie, sessionCookie, setSessionCookie } from '../../../../server/sessions/cookie'

test('the session cookie is found among others, and only by its exact name', () => {
  expect(sessionCookie('a=1; scim_bridge_session=cs_x.sig; b=2')).toBe('cs_x.sig')
  expect(sessionCookie('xscim_bridge_session=nope')).toBeUndefined()
  expect(sessionCookie('scim_bridge_session=')).toBeUndefined()
  expect(sessionCookie(null)).toBeUndefined()
})

test('the cookie is HttpOnly and SameSite=Strict, Secure only behind https, and clearing it expires it', () => {
  expect(setSessionCookie('v', 'http://localhost:3000')).toBe('scim_bridge_session=v; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict')
  expect(setSessionCookie('v', 'https://scim.example.com')).toEndWith('; HttpOnly; SameSite=Strict; Secure')
  expect(clearSessionCookie('https://scim.example.com')).toBe('scim_bridge_session=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict; Secure')
})

const request = (method: string, headers: Record<string, string>) => new Request('http://10.0.0.5:3000/api/admin/v1/organizations', { method, headers })
const PUBLIC = 'https://scim.example.com'

test.each([
  ['GET', {}, true],
  ['HEAD', { 'sec-fetch-site': 'cross-site' }, true],
  ['POST', { 'sec-fetch-site': 'same-origin' }, true],
  ['POST', { 'sec-fetch-site': 'same-site' }, false], // another port or subdomain: SameSite=Strict still sends the cookie
  ['DELETE', { 'sec-fetch-site': 'cross-site' }, false],
  ['PATCH', { 'sec-fetch-site': 'none' }, false],
  ['POST', { origin: PUBLIC }, true],
  ['POST', { origin: 'http://10.0.0.5:3000' }, true], // the request's own origin (no proxy in front)
  ['POST', { origin: 'https://scim.example.com.evil.test' }, false],
  ['POST', { origin: 'null' }, false],
  ['POST', {}, false], // neither header: not a browser we can trust with the cookie
  ['POST', { 'sec-fetch-site': 'cross-site', origin: PUBLIC }, false], // Sec-Fetch-Site wins: it cannot be set by a page
] as const)('%s with %j may write: %p', (method, headers, allowed) => {
  expect(mayWriteWithCookie(request(method, headers), PUBLIC)).toBe(allowed)
})
