import { expect, test } from 'bun:test'
import { MAX_WAIT_SECONDS } from '../../../server/admin/feed'
import { listenOptions } from '../../../server/app'
import { loadConfig } from '../../../server/config'

test("serve's idle timeout outlasts the longest feed long poll, with room for the answer", () => {
  const options = listenOptions(loadConfig({ PORT: '3000', HOST: '127.0.0.1' }))
  expect(options).toMatchObject({ port: 3000, hostname: '127.0.0.1' })
  // Elysia's default (30 s) equals the longest wait: a poll answered at its deadline raced the close.
  expect(options.idleTimeout).toBeGreaterThanOrEqual(MAX_WAIT_SECONDS + 10)
  expect(options.idleTimeout).toBeLessThanOrEqual(255) // Bun's maximum
})
