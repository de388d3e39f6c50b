// The client's address for the audit log. X-Forwarded-For is written by whoever sent the
// request, so it is believed only hop by hop from our side: from the socket peer leftwards,
// as long as each hop is a proxy we trust (TRUSTED_PROXIES: IPs and CIDRs, v4 and v6).

type Addr = { v: 4 | 6; n: bigint }
type Range = { v: 4 | 6; n: bigint; bits: number }

/**
 * The client IP: the socket peer, or, when that peer is a trusted proxy, the nearest
 * address in X-Forwarded-For (read right to left) that is not a trusted proxy. When every
 * hop is trusted, the leftmost one. An unparseable hop ends the walk at the last good one.
 */
export function clientIp(request: Request, socketIp: string | null, trustedProxies: string[]): string | null {
  const peer = socketIp === null ? null : parseAddr(socketIp)
  if (!peer) return socketIp
  const trusted = ranges(trustedProxies)
  if (!isTrusted(peer, trusted)) return format(peer, socketIp!)
  const hops = (request.headers.get('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean)
  let client = format(peer, socketIp!)
  for (let i = hops.length - 1; i >= 0; i--) {
    const raw = stripPort(hops[i]!)
    const hop = parseAddr(raw)
    if (!hop) break
    client = format(hop, raw)
    if (!isTrusted(hop, trusted)) break
  }
  return client
}

// Config arrays live for the process: parse each list once.
const parsedLists = new WeakMap<string[], Range[]>()

function ranges(list: string[]): Range[] {
  let parsed = parsedLists.get(list)
  if (!parsed) {
    parsed = list.map(parseRange).filter((r): r is Range => r !== null)
    parsedLists.set(list, parsed)
  }
  return parsed
}

export function parseRange(entry: string): Range | null {
  const [host, len, extra] = entry.trim().split('/')
  if (extra !== undefined) return null
  const a = parseAddr(host ?? '', true)
  if (!a) return null
  const width = a.v === 4 ? 32 : 128
  const bits = len === undefined ? width : /^\d{1,3}$/.test(len) ? Number(len) : NaN
  if (!(bits >= 0 && bits <= width)) return null
  // ::ffff:10.0.0.0/104 is the IPv4 range 10.0.0.0/8.
  if (a.v === 6 && bits >= 96 && a.n >> 32n === 0xffffn) return { v: 4, n: a.n & 0xffffffffn, bits: bits - 96 }
  return { v: a.v, n: a.n, bits }
}

function isTrusted(a: Addr, trusted: Range[]): boolean {
  return trusted.some((r) => {
    if (r.v !== a.v) return false
    const shift = BigInt((a.v === 4 ? 32 : 128) - r.bits)
    return a.n >> shift === r.n >> shift
  })
}

/** `1.2.3.4:80` -> `1.2.3.4`, `[::1]:80` -> `::1`. A bare IPv6 address has several colons. */
function stripPort(hop: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(hop)
  if (bracketed) return bracketed[1]!
  const v4 = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(hop)
  return v4 ? v4[1]! : hop
}

/** IPv4-mapped IPv6 (::ffff:1.2.3.4, as Bun reports IPv4 peers on a dual-stack socket) becomes IPv4. */
function format(a: Addr, raw: string): string {
  if (a.v === 4) return [24n, 16n, 8n, 0n].map((s) => String((a.n >> s) & 0xffn)).join('.')
  return raw.replace(/%.*$/, '').toLowerCase()
}

/** Parses an IPv4 or IPv6 address (zone ids ignored). keepMapped: leave ::ffff:a.b.c.d as IPv6. */
export function parseAddr(text: string, keepMapped = false): Addr | null {
  const s = text.trim().replace(/%[\w.-]+$/, '')
  if (!s.includes(':')) {
    const n = parseV4(s)
    return n === null ? null : { v: 4, n }
  }
  const n = parseV6(s)
  if (n === null) return null
  if (!keepMapped && n >> 32n === 0xffffn) return { v: 4, n: n & 0xffffffffn }
  return { v: 6, n }
}

function parseV4(s: string): bigint | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s)
  if (!m) return null
  let n = 0n
  for (const part of m.slice(1)) {
    const octet = Number(part)
    if (octet > 255) return null
    n = (n << 8n) | BigInt(octet)
  }
  return n
}

function parseV6(s: string): bigint | null {
  const halves = s.split('::')
  if (halves.length > 2) return null
  const groups = (half: string, v4Tail: boolean): number[] | null => {
    if (half === '') return []
    const out: number[] = []
    const parts = half.split(':')
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      // A dotted IPv4 tail (::ffff:1.2.3.4) counts as the last two groups.
      if (v4Tail && i === parts.length - 1 && p.includes('.')) {
        const v4 = parseV4(p)
        if (v4 === null) return null
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn))
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(parseInt(p, 16))
      else return null
    }
    return out
  }
  const head = groups(halves[0]!, halves.length === 1)
  const tail = halves.length === 2 ? groups(halves[1]!, true) : []
  if (!head || !tail) return null
  const missing = 8 - head.length - tail.length
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null
  const all = [...head, ...Array<number>(missing).fill(0), ...tail]
  return all.reduce((n, g) => (n << 16n) | BigInt(g), 0n)
}
