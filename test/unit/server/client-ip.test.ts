import { describe, expect, test } from 'bun:test'
import { clientIp, parseAddr, parseRange } from '../../../server/client-ip'

const req = (xff?: string) => new Request('http://localhost/x', { headers: xff === undefined ? {} : { 'x-forwarded-for': xff } })

describe('clientIp', () => {
  test.each<[string, string | null, string | undefined, string[], string | null]>([
    // name, socket peer, X-Forwarded-For, trusted proxies, expected
    ['no proxy: the socket peer', '203.0.113.7', undefined, [], '203.0.113.7'],
    ['XFF from an untrusted peer is ignored', '203.0.113.7', '1.2.3.4', [], '203.0.113.7'],
    ['XFF from an untrusted peer is ignored even with proxies configured', '203.0.113.7', '1.2.3.4', ['10.0.0.1'], '203.0.113.7'],
    ['a trusted peer (exact IP): the hop before it', '10.0.0.1', '198.51.100.9', ['10.0.0.1'], '198.51.100.9'],
    ['a trusted peer (CIDR)', '10.1.2.3', '198.51.100.9', ['10.0.0.0/8'], '198.51.100.9'],
    ['a spoofed leftmost entry is not believed', '10.0.0.1', '6.6.6.6, 198.51.100.9', ['10.0.0.0/8'], '198.51.100.9'],
    ['trusted hops are skipped right to left', '10.0.0.1', '6.6.6.6, 198.51.100.9, 10.0.0.2, 10.0.0.3', ['10.0.0.0/8'], '198.51.100.9'],
    ['all hops trusted: the leftmost', '10.0.0.1', '10.0.0.5, 10.0.0.6', ['10.0.0.0/8'], '10.0.0.5'],
    ['a trusted peer without XFF: the peer', '10.0.0.1', undefined, ['10.0.0.0/8'], '10.0.0.1'],
    ['an empty XFF: the peer', '10.0.0.1', ' , ', ['10.0.0.0/8'], '10.0.0.1'],
    ['ports are stripped', '10.0.0.1', '198.51.100.9:51234', ['10.0.0.1'], '198.51.100.9'],
    ['bracketed IPv6 with a port', '10.0.0.1', '[2001:db8::7]:443', ['10.0.0.1'], '2001:db8::7'],
    ['an unparseable hop stops at the last good one', '10.0.0.1', 'garbage, 10.0.0.9', ['10.0.0.0/8'], '10.0.0.9'],
    ['an unparseable first hop: the trusted peer', '10.0.0.1', 'unknown', ['10.0.0.0/8'], '10.0.0.1'],
    ['IPv6 peer in an IPv6 CIDR', '2001:db8::1', '2001:db8:ffff::2, 2606:4700::1111', ['2001:db8::/32'], '2606:4700::1111'],
    ['IPv6 peer outside the CIDR', '2001:db9::1', '1.2.3.4', ['2001:db8::/32'], '2001:db9::1'],
    ['an IPv4-mapped peer matches an IPv4 entry', '::ffff:10.0.0.1', '198.51.100.9', ['10.0.0.0/8'], '198.51.100.9'],
    ['an IPv4-mapped peer is reported as IPv4', '::ffff:203.0.113.7', undefined, [], '203.0.113.7'],
    ['an IPv4 entry written as mapped IPv6', '10.0.0.1', '198.51.100.9', ['::ffff:10.0.0.0/104'], '198.51.100.9'],
    ['a loopback proxy', '127.0.0.1', '198.51.100.9', ['127.0.0.1', '::1'], '198.51.100.9'],
    ['an IPv6 loopback proxy', '::1', '198.51.100.9', ['127.0.0.1', '::1'], '198.51.100.9'],
    ['/0 trusts everything', '8.8.8.8', '9.9.9.9, 1.1.1.1', ['0.0.0.0/0'], '9.9.9.9'],
    ['/32 is one address', '10.0.0.2', '1.2.3.4', ['10.0.0.1/32'], '10.0.0.2'],
    ['invalid trusted entries are ignored', '10.0.0.1', '1.2.3.4', ['10.0.0.1/33', 'nope', '10.0.0.0/8/1'], '10.0.0.1'],
    ['no socket: unknown', null, '1.2.3.4', ['0.0.0.0/0'], null],
    ['a zone id on the peer', 'fe80::1%eth0', undefined, [], 'fe80::1'],
  ])('%s', (_, socket, xff, trusted, expected) => expect(clientIp(req(xff), socket, trusted)).toBe(expected))

  test('several X-Forwarded-For headers read as one list', () => {
    const headers = new Headers()
    headers.append('x-forwarded-for', '6.6.6.6')
    headers.append('x-forwarded-for', '198.51.100.9')
    expect(clientIp(new Request('http://localhost/', { headers }), '10.0.0.1', ['10.0.0.0/8'])).toBe('198.51.100.9')
  })
})

describe('address parsing', () => {
  test.each([
    ['1.2.3.4', 4, 0x01020304n],
    ['255.255.255.255', 4, 0xffffffffn],
    ['::', 6, 0n],
    ['::1', 6, 1n],
    ['2001:db8::', 6, 0x20010db8n << 96n],
    ['2001:DB8:0:0:0:0:0:1', 6, (0x20010db8n << 96n) | 1n],
    ['::ffff:1.2.3.4', 4, 0x01020304n],
    ['64:ff9b::1.2.3.4', 6, (0x64ff9bn << 96n) | 0x01020304n],
  ] as const)('%s', (text, version, n) => expect(parseAddr(text)).toEqual({ v: version, n }))

  test.each(['', '1.2.3', '1.2.3.256', '1.2.3.4.5', '1::2::3', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', 'g::1', '12345::', '1.2.3.4::1', ':::'])(
    '%p is not an address',
    (text) => expect(parseAddr(text)).toBeNull(),
  )

  test.each([
    ['10.0.0.0/8', { v: 4, n: 0x0a000000n, bits: 8 }],
    ['10.0.0.1', { v: 4, n: 0x0a000001n, bits: 32 }],
    ['::1/128', { v: 6, n: 1n, bits: 128 }],
    ['::ffff:10.0.0.0/104', { v: 4, n: 0x0a000000n, bits: 8 }],
    ['10.0.0.0/33', null],
    ['10.0.0.0/-1', null],
    ['10.0.0.0/', null],
  ] as const)('range %s', (text, range) => expect(parseRange(text)).toEqual(range))
})
