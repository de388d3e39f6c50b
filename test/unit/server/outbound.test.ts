// Outbound requests never reach our own network (server/outbound.ts): addresses are
// judged after resolution, the connection goes to a judged one, and redirects are
// followed by hand.
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

test('a public literal address passes, and is the address to connect to', async () => {
  await expect(assertPublicUrl(new URL('https://93.184.216.34/hook'))).resolves.toEqual(['93.184.216.34'])
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
  const first = (url: URL) => (url.pathname.startsWith('/to-') && url.hostname === '127.0.0.1' ? Promise.resolve(['127.0.0.1']) : assertPublicUrl(url))
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

test('DNS rebinding: the connection goes to the checked address, not where the name resolves afterwards', async () => {
  // localhost is the name whose resolver answers a private address at connect time
  // (127.0.0.1); the check plays its answer at check time, 127.0.0.2, standing for a public server.
  const answer = (hostname: string, port: number, who: string) =>
    Bun.serve({ hostname, port, fetch: (req) => new Response(`${who} ${req.headers.get('host')}`) })
  const checked = answer('127.0.0.2', 0, 'checked')
  const internal = answer('127.0.0.1', checked.port!, 'internal')
  try {
    const url = `http://localhost:${checked.port}/hook`
    expect(await (await fetch(url)).text()).toBe(`internal localhost:${checked.port}`)
    let checks = 0
    const check = () => (checks++, Promise.resolve(['127.0.0.2']))
    const res = await outboundFetch(url, { method: 'POST', body: 'x' }, { allowPrivate: false }, check)
    expect(await res.text()).toBe(`checked localhost:${checked.port}`)
    expect(checks).toBe(1)
  } finally {
    checked.stop(true)
    internal.stop(true)
  }
})

test('a checked address that cannot be reached gives way to the next one, and the name is never resolved again', async () => {
  // fallback.test resolves nowhere: only the checked addresses can be reached.
  const res = await outboundFetch(`http://fallback.test:${server.port}/final`, {}, { allowPrivate: false }, () => Promise.resolve(['::1', '127.0.0.1']))
  expect(await res.text()).toBe('GET /final')
})

test('https to a checked address: SNI, the certificate check and Host use the name of the URL', async () => {
  const tls = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    tls: [{ cert: DEFAULT_CERT, key: DEFAULT_KEY }, { serverName: 'example.test', cert: EXAMPLE_CERT, key: EXAMPLE_KEY }],
    fetch: (req) => new Response(`host ${req.headers.get('host')}`),
  })
  try {
    const pinned = () => Promise.resolve(['127.0.0.1'])
    const trusting = { tls: { ca: [EXAMPLE_CERT, DEFAULT_CERT] } }
    // The server presents the example.test certificate only to a client whose SNI names it.
    const res = await outboundFetch(`https://example.test:${tls.port}/hook`, trusting, { allowPrivate: false }, pinned)
    expect(await res.text()).toBe(`host example.test:${tls.port}`)
    // A trusted certificate for another name is refused: verification is against the URL's name, not skipped.
    await expect(outboundFetch(`https://other.test:${tls.port}/hook`, trusting, { allowPrivate: false }, pinned)).rejects.toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' })
    await expect(outboundFetch(`https://example.test:${tls.port}/hook`, {}, { allowPrivate: false }, pinned)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })
  } finally {
    tls.stop(true)
  }
})

// Self-signed for example.test and default.test (ECDSA P-256, valid until 2126): the TLS server below.
const EXAMPLE_CERT = `-----BEGIN CERTIFICATE-----
MIIBnzCCAUSgAwIBAgIUJUDQzwaWPlOpZRqgkSkrwjEnbpswCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMZXhhbXBsZS50ZXN0MCAXDTI2MTIwNjA4MjUzMFoYDzIxMjYx
MTEyMDgyNTMwWjAXMRUwEwYDVQQDDAxleGFtcGxlLnRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAATFoUuRC9w9r9oVFc1zwkhGjN1+0NX8+1g5apwjhWA/kWWw
vHwPP7BZGT6XsR/qd7PLtWYdv1pG2SiM28YCZbMeo2wwajAdBgNVHQ4EFgQUui+3
qo8CA+/JlXp1VG9uL3tEkngwHwYDVR0jBBgwFoAUui+3qo8CA+/JlXp1VG9uL3tE
kngwDwYDVR0TAQH/BAUwAwEB/zAXBgNVHREEEDAOggxleGFtcGxlLnRlc3QwCgYI
KoZIzj0EAwIDSQAwRgIhALkRIMeeUbNvCq9dslVHPOYtJ9oTzyzwOqVtKlsqB81m
AiEAqXQkgwLA/uK/yeBMQKotnooi18iHWYX0pMphkQM5moA=
-----END CERTIFICATE-----`
const EXAMPLE_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgJL5IsxgqleX3O7KZ
Bp38WF1NWvJJWJNYcMcPlUAU5MmhRANCAATFoUuRC9w9r9oVFc1zwkhGjN1+0NX8
+1g5apwjhWA/kWWwvHwPP7BZGT6XsR/qd7PLtWYdv1pG2SiM28YCZbMe
-----END PRIVATE KEY-----`
const DEFAULT_CERT = `-----BEGIN CERTIFICATE-----
MIIBnTCCAUSgAwIBAgIUCLLd8TPiXWp0d/X43u77IuSOsxEwCgYIKoZIzj0EAwIw
FzEVMBMGA1UEAwwMZGVmYXVsdC50ZXN0MCAXDTI2MTIwNjA4MjUzMFoYDzIxMjYx
MTEyMDgyNTMwWjAXMRUwEwYDVQQDDAxkZWZhdWx0LnRlc3QwWTATBgcqhkjOPQIB
BggqhkjOPQMBBwNCAATyF8SMalfxpiK1PRIJ1LVDE994eu1cNfH+m8ssS5DwtRCi
+Pdsr162h4YPCms1hyoN0aGIwoY9f5z+SLBpjGOEo2wwajAdBgNVHQ4EFgQUshPe
M0fWZhh8sybMUxRIjk691akwHwYDVR0jBBgwFoAUshPeM0fWZhh8sybMUxRIjk69
1akwDwYDVR0TAQH/BAUwAwEB/zAXBgNVHREEEDAOggxkZWZhdWx0LnRlc3QwCgYI
KoZIzj0EAwIDRwAwRAIgbBJUfGzkM/Q6VtQ75pNxsmG3fFj3DBv8GDMtA12dNBgC
IAiDlGLvSFDJK8Nnhd5/fXpFXGibiXBea8s0TYdMqJ/P
-----END CERTIFICATE-----`
const DEFAULT_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg6TVz+skJzGcxUZmV
ISO37W4+SJA0Rd2+FHtnNij62fmhRANCAATyF8SMalfxpiK1PRIJ1LVDE994eu1c
NfH+m8ssS5DwtRCi+Pdsr162h4YPCms1hyoN0aGIwoY9f5z+SLBpjGOE
-----END PRIVATE KEY-----`
