// Requests to URLs that users give us (webhook endpoints, bridge providers) must not turn
// the service into a probe of its own network: they never reach loopback, private,
// link-local, shared (CGNAT), multicast or cloud-metadata addresses. The check is on
// the addresses the name resolves to, right before the request, and again on every
// redirect (a public URL answering 302 to http://169.254.169.254/ is refused).
// The connection then goes to a checked address, not to a second resolution of the name
// (which DNS rebinding with a zero TTL would point at a private one): fetchPinned dials
// the IP and keeps the name for the Host header, the TLS SNI and the certificate check
// (Bun's fetch tls.serverName). Both users are pinned: outboundFetch (webhook deliveries)
// and the bridge connectors (activities/connectors/http.ts, fetchPinned after the check).
// OUTBOUND_ALLOW_PRIVATE=true (dev and the tests, whose fakes listen on loopback) lifts it.
import { lookup } from 'node:dns/promises'
import { BlockList, isIP } from 'node:net'

const BLOCKED = new BlockList()
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4')
for (const [net, bits] of [
  ['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32],
] as const) BLOCKED.addSubnet(net, bits, 'ipv6')

/** The request was not sent: the URL points where the service must not go. */
export class OutboundRefused extends Error {
  override readonly name = 'OutboundRefused'
}

/** Whether `address` (a literal IP) is one we must not reach. IPv4-mapped IPv6 is judged as the IPv4 it maps. */
export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)
  if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4')
  const family = isIP(address)
  if (family === 0) return true
  return BLOCKED.check(address, family === 4 ? 'ipv4' : 'ipv6')
}

/**
 * Throws OutboundRefused unless `url` is http(s) and every address its host resolves to is
 * public; returns those addresses, the ones a connection may then go to (fetchPinned).
 */
export async function assertPublicUrl(url: URL): Promise<string[]> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundRefused(`${url.protocol} URLs are not allowed: use http or https`)
  const host = url.hostname.replace(/^\[|\]$/g, '')
  let addresses: string[]
  if (isIP(host)) addresses = [host]
  else {
    try {
      addresses = (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)
    } catch (e) {
      throw new OutboundRefused(`${host} does not resolve: ${(e as Error).message}`)
    }
  }
  const refused = addresses.find(isPrivateAddress)
  if (refused) throw new OutboundRefused(`${host} resolves to ${refused}, a loopback, private or link-local address; only public addresses are allowed (OUTBOUND_ALLOW_PRIVATE=true lifts this in development)`)
  return addresses
}

// Failures to connect, before anything was sent: the next checked address may answer.
const UNREACHABLE = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH'])

/**
 * fetch `url` over a connection to one of `addresses` (checked by assertPublicUrl), trying
 * them in order while they cannot be reached. The server still sees the URL's name: in the
 * Host header, the TLS SNI and the certificate check (tls.serverName).
 */
export async function fetchPinned(url: URL, init: BunFetchRequestInit, addresses: string[]): Promise<Response> {
  const host = url.hostname.replace(/^\[|\]$/g, '')
  if (isIP(host)) return fetch(url, init)
  const headers = new Headers(init.headers)
  headers.set('host', url.host)
  const tls = url.protocol === 'https:' ? { ...init.tls, serverName: host } : init.tls
  for (let i = 0; ; i++) {
    const address = addresses[i]!
    const pinned = new URL(url)
    pinned.hostname = isIP(address) === 6 ? `[${address}]` : address
    try {
      return await fetch(pinned, { ...init, headers, tls })
    } catch (e) {
      if (i + 1 >= addresses.length || !UNREACHABLE.has((e as { code?: string }).code ?? '')) throw e
    }
  }
}

export interface OutboundOptions {
  allowPrivate: boolean
  maxRedirects?: number
}

/**
 * fetch, with every hop checked and connected to a checked address. Redirects are followed
 * by hand (at most 3): 307/308 keep the method and body; 301/302/303 become a GET, except
 * for a POST, which stops there (a webhook delivery is not re-sent as a GET).
 */
export async function outboundFetch(
  input: string | URL, init: BunFetchRequestInit, opts: OutboundOptions, check: (url: URL) => Promise<string[]> = assertPublicUrl,
): Promise<Response> {
  let url = new URL(input)
  let request = init
  for (let hop = 0; ; hop++) {
    const hopInit = { ...request, redirect: 'manual' } as const
    const res = opts.allowPrivate ? await fetch(url, hopInit) : await fetchPinned(url, hopInit, await check(url))
    const location = res.headers.get('location')
    if (res.status < 300 || res.status >= 400 || !location) return res
    const method = (request.method ?? 'GET').toUpperCase()
    const keepsMethod = res.status === 307 || res.status === 308
    if (!keepsMethod && method === 'POST') return res
    if (hop >= (opts.maxRedirects ?? 3)) throw new OutboundRefused(`more than ${opts.maxRedirects ?? 3} redirects from ${input}`)
    await res.body?.cancel()
    url = new URL(location, url)
    if (!keepsMethod) request = { ...request, method: 'GET', body: undefined }
  }
}
