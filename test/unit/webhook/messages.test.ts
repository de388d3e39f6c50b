import { expect, test } from 'bun:test'
import { deliveryRetryPolicy, retryRefusal } from '../../../webhook/messages'

test('a first wait above the cap is refused with what to change; the defaults fill what is missing', () => {
  expect(retryRefusal({})).toBeNull()
  expect(retryRefusal({ initialIntervalSeconds: 600 })).toBeNull()
  expect(retryRefusal({ initialIntervalSeconds: 601 })).toBe('retry: initialIntervalSeconds (601) is above maximumIntervalSeconds (600); lower the first wait or raise the cap')
  expect(retryRefusal({ maximumIntervalSeconds: 1, initialIntervalSeconds: 1 })).toBeNull()
})

test('the delivery policy never has its cap below its first wait, whatever the row says', () => {
  expect(deliveryRetryPolicy({})).toEqual({ initialInterval: 1000, backoffCoefficient: 2, maximumInterval: 600_000 })
  expect(deliveryRetryPolicy({ initialIntervalSeconds: 2, maximumIntervalSeconds: 1 })).toEqual({ initialInterval: 2000, backoffCoefficient: 2, maximumInterval: 2000 })
})
