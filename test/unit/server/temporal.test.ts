import { expect, test } from 'bun:test'
import { STARTS_IN_FLIGHT, startAll } from '../../../server/temporal'

test('startAll starts every row, STARTS_IN_FLIGHT at once (not one after another) and never more', async () => {
  const rows = Array.from({ length: 100 }, (_, i) => i)
  const started: number[] = []
  let inFlight = 0
  let most = 0
  expect(
    await startAll(rows, async (row) => {
      most = Math.max(most, ++inFlight)
      await Bun.sleep(10)
      started.push(row)
      inFlight--
    }),
  ).toBe(100)
  expect(started.toSorted((a, b) => a - b)).toEqual(rows)
  expect(most).toBe(STARTS_IN_FLIGHT)
  expect(await startAll([], async () => {})).toBe(0)
})

test('startAll throws the first failure', async () => {
  await expect(startAll([1, 2, 3], async (row) => {
    if (row === 2) throw new Error('temporal: unavailable')
  })).rejects.toThrow('temporal: unavailable')
})
