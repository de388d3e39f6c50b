import { expect, test } from 'bun:test'
import { backoffDelayMs } from '../../../bridge/backoff'

const HOUR = 3_600_000
const DAY = 24 * HOUR

test.each([
  // attempt, initial, maximum, expected
  [1, 60_000, DAY, 60_000],
  [2, 60_000, DAY, 120_000],
  [3, 60_000, DAY, 240_000],
  [10, 60_000, DAY, 60_000 * 512],
  [11, 60_000, DAY, 60_000 * 1024], // 17 h
  [12, 60_000, DAY, DAY], // 34 h: capped
  [1, HOUR, DAY, HOUR],
  [6, HOUR, DAY, DAY], // 32 h capped
  [1, 2 * DAY, DAY, DAY], // an initial interval above the cap is capped too
  [5_000, 1_000, DAY, DAY], // no overflow to Infinity or NaN
  [5_000, 0, DAY, 0],
  [0, 1_000, DAY, 1_000], // attempts start at 1
  [2.7, 1_000, DAY, 2_000],
])('attempt %d with initial %d ms and cap %d ms waits %d ms', (attempt, initialMs, maximumMs, expected) => {
  expect(backoffDelayMs(attempt, { initialMs, maximumMs })).toBe(expected)
})

test('a tests-sized policy walks 1 s, 2 s, 4 s ... up to its cap', () => {
  const delays = Array.from({ length: 9 }, (_, i) => backoffDelayMs(i + 1, { initialMs: 1_000, maximumMs: 60_000 }))
  expect(delays).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
})
