// Outbound requests never reach our own network (server/outbound.ts): addresses are
// judged after resolution, and redirects are followed by hand.
import { afterAll, expect, test } from 'bun:test'
import { assertPublicUrl, isPrivateAddress, outboundFetch, OutboundRefused } from '../../../server/outbound'

test.each([
  ['127.0.0.1', true], ['127.8.9.10', true], ['10.1.2.3', true], ['172.16.0.1', true], ['172.31.255.255', true], ['192.168.1.1', true],
  ['169.254.169.254', true], ['100.64.0.1', true], ['0.0.0.0', true], ['224.0.0.1', true], ['255.255.255.255', true],
  ['::1', true], ['::', true], ['fe80::1', true], ['fd00::1', true], ['::ffff:127.0.0.1', true], ['::ffff:10.0.0.1', true], ['not an ip', true],
  ['8.8.8.8', false], ['172.32.0.1', false], ['93.184.216.34', false], ['2606:4700:4700::1111', false], ['::ffff:8.8.8.8', false],
] as const)('%s is private: %p', (address, blocked) => {
  expect(isPrivateAddress(address)).toBe(blocked)
})

test.each([
  'http://127.0.0.1/hook', 'http://localhost:8080/hook', 'http://[::1]/hook', 'http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5/',
  'http://0x7f000001/', 'http://2130706433/', 'ftp://example.com/', 'file:///etc/passwd', 'http://no-such-host.invalid/',
])('%s is refused', async (url) => {
  await expect(assertPublicUrl(new URL(url))).rejects.toBeInstanceOf(OutboundRefused)
})

test('a public literal address passes', async () => {
  await expect(assertPublicUrl(new URL('https://93.184.216.34/hook'))).resolves.toBeUndefined()
})

let hits = 0
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch(req): Response {
    hits++
    const url = new URL(req.url)
    if (url.pathname === '/see-other') return new Response(null, { status: 302, headers: { location: '/final' } })
    if (url.pathname === '/keep') return new Response(null, { status: 307, headers: { location: '/final' } })
    if (url.pathname === '/loop') return new Response(null, { status: 302, headers: { location: '/loop' } })
    if (url.pathname === '/to-metadata') return new Response(null, { status: 307, headers: { location: 'http://169.254.169.254/latest/meta-data/' } })
    if (url.pathname === '/to-loopback') return new Response(null, { status: 302, headers: { location: `http://localhost:${url.port}/final` } })
    return new Response(`${req.method} ${url.pathname}`)
  },
})
afterAll(() => server.stop(true))
const base = `http://127.0.0.1:${server.port}`

test('a private address is refused before anything is sent', async () => {
  hits = 0
  await expect(outboundFetch(`${base}/final`, {}, { allowPrivate: false })).rejects.toBeInstanceOf(OutboundRefused)
  expect(hits).toBe(0)
})

test('a redirect to a private address is refused: every hop is checked, not only the first', async () => {
  // The first hop stands for a public server (it is on loopback here, the only network a test has).
  const first = (url: URL) => (url.pathname.startsWith('/to-') && url.hostname === '127.0.0.1' ? Promise.resolve() : assertPublicUrl(url))
  for (const path of ['/to-metadata', '/to-loopback']) {
    hits = 0
    await expect(outboundFetch(`${base}${path}`, {}, { allowPrivate: false }, first)).rejects.toBeInstanceOf(OutboundRefused)
    expect(hits).toBe(1)
  }
})

test('redirects: 307 keeps the POST, a 302 after a POST stops there, a GET follows it, loops end', async () => {
  const allow = { allowPrivate: true }
  expect(await (await outboundFetch(`${base}/keep`, { method: 'POST', body: 'x' }, allow)).text()).toBe('POST /final')
  expect((await outboundFetch(`${base}/see-other`, { method: 'POST', body: 'x' }, allow)).status).toBe(302)
  expect(await (await outboundFetch(`${base}/see-other`, {}, allow)).text()).toBe('GET /final')
  await expect(outboundFetch(`${base}/loop`, {}, allow)).rejects.toBeInstanceOf(OutboundRefused)
})
