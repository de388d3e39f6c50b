// The point-lookup coalescer (server/db/coalesce.ts): who goes in which batch, and what
// each caller gets back when a batch succeeds, misses or fails.
import { describe, expect, test } from 'bun:test'
import { Coalescer, CoalescerGroups } from '../../../../server/db/coalesce'

/** A fetch whose batches the test answers by hand, in any order. */
function manualFetch() {
  const batches: { keys: string[]; answer: (values: (string | undefined)[]) => void; fail: (e: Error) => void }[] = []
  const fetch = (keys: string[]) =>
    new Promise<(string | undefined)[]>((resolve, reject) => batches.push({ keys, answer: resolve, fail: reject }))
  return { batches, fetch }
}

const tick = () => new Promise((r) => setTimeout(r, 0))
const upper = async (keys: string[]) => keys.map((k) => k.toUpperCase())

describe('Coalescer', () => {
  test('a lone lookup is sent at once, alone', async () => {
    const { batches, fetch } = manualFetch()
    const c = new Coalescer(fetch)
    const p = c.load('a')
    await tick()
    expect(batches.map((b) => b.keys)).toEqual([['a']])
    batches[0]!.answer(['A'])
    expect(await p).toBe('A')
    expect(c.idle).toBe(true)
  })

  test('past maxInFlight, lookups wait and go together when a batch returns', async () => {
    const { batches, fetch } = manualFetch()
    const c = new Coalescer(fetch, { maxInFlight: 2 })
    const results = ['a', 'b', 'c', 'd', 'e'].map((k) => c.load(k))
    await tick()
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['b']])
    batches[1]!.answer(['B'])
    await tick()
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['b'], ['c', 'd', 'e']])
    batches[0]!.answer(['A'])
    batches[2]!.answer(['C', undefined, 'E'])
    expect(await Promise.all(results)).toEqual(['A', 'B', 'C', undefined, 'E'])
  })

  test('a batch holds at most maxBatch keys; the rest fill the free slots', async () => {
    const { batches, fetch } = manualFetch()
    const c = new Coalescer(fetch, { maxInFlight: 2, maxBatch: 2 })
    const results = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((k) => c.load(k))
    await tick()
    expect(batches.map((b) => b.keys)).toEqual([['a'], ['b']])
    batches[0]!.answer(['A'])
    batches[1]!.answer(['B'])
    await tick()
    expect(batches.slice(2).map((b) => b.keys)).toEqual([['c', 'd'], ['e', 'f']])
    batches[2]!.answer(['C', 'D'])
    batches[3]!.answer(['E', 'F'])
    await tick()
    expect(batches.slice(4).map((b) => b.keys)).toEqual([['g']])
    batches[4]!.answer(['G'])
    expect(await Promise.all(results)).toEqual(['A', 'B', 'C', 'D', 'E', 'F', 'G'])
  })

  test('the same key twice in a batch answers both', async () => {
    const c = new Coalescer(upper, { maxInFlight: 1 })
    expect(await Promise.all(['x', 'x', 'y', 'x'].map((k) => c.load(k)))).toEqual(['X', 'X', 'Y', 'X'])
  })

  test('a failed batch fails its own lookups only; the next batch works', async () => {
    const { batches, fetch } = manualFetch()
    const c = new Coalescer(fetch, { maxInFlight: 1 })
    const first = c.load('a')
    const queued = [c.load('b'), c.load('c')]
    await tick()
    batches[0]!.fail(new Error('connection lost'))
    await expect(first).rejects.toThrow('connection lost')
    await tick()
    expect(batches[1]!.keys).toEqual(['b', 'c'])
    batches[1]!.answer(['B', 'C'])
    expect(await Promise.all(queued)).toEqual(['B', 'C'])
  })

  test('a fetch that throws synchronously still settles its lookups', async () => {
    const c = new Coalescer<string, string>(() => {
      throw new Error('bad statement')
    })
    await expect(c.load('a')).rejects.toThrow('bad statement')
    expect(c.idle).toBe(true)
  })

  test('onIdle fires once nothing is queued or out', async () => {
    let idle = 0
    const c = new Coalescer(upper, { maxInFlight: 1, onIdle: () => idle++ })
    await Promise.all([c.load('a'), c.load('b'), c.load('c')])
    expect(idle).toBe(1)
  })
})

describe('CoalescerGroups', () => {
  test('groups never share a batch, and each fetch knows its group', async () => {
    const seen: string[] = []
    const groups = new CoalescerGroups<string, string>({ maxInFlight: 1 })
    const fetchOf = (group: string) => async (keys: string[]) => {
      seen.push(`${group}:${keys.join(',')}`)
      return keys.map((k) => `${group}/${k}`)
    }
    const load = (group: string, key: string) => groups.load(group, key, fetchOf(group))
    const results = await Promise.all([load('org-a', '1'), load('org-b', '1'), load('org-a', '2'), load('org-b', '2'), load('org-a', '3')])
    expect(results).toEqual(['org-a/1', 'org-b/1', 'org-a/2', 'org-b/2', 'org-a/3'])
    expect(seen).toEqual(['org-a:1', 'org-b:1', 'org-a:2,3', 'org-b:2'])
  })

  test('idle groups are dropped, so memory follows the lookups in progress', async () => {
    const groups = new CoalescerGroups<string, string>()
    const pending = Array.from({ length: 50 }, (_, i) => groups.load(`org-${i}`, 'k', upper))
    expect(groups.size).toBe(50)
    await Promise.all(pending)
    expect(groups.size).toBe(0)
    expect(await groups.load('org-1', 'again', upper)).toBe('AGAIN')
    expect(groups.size).toBe(0)
  })
})
