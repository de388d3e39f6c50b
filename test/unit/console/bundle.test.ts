// The console imports server code for its types only (`import type`): a value import
// would ship the server (postgres, Bun's crypto, valibot) to every browser.
import { expect, test } from 'bun:test'
import { ROOT } from '../../../dev/services'

test('the console bundle holds the app and Preact, no server code', async () => {
  const build = await Bun.build({ entrypoints: [`${ROOT}/console/index.html`], minify: true })
  expect(build.success).toBe(true)
  const code = (await Promise.all(build.outputs.filter((o) => o.path.endsWith('.js')).map((o) => o.text()))).join('\n')
  expect(code).toContain('Skip to content') // the app is in it
  for (const server of ['CryptoHasher', 'postgres', 'valibot', '@temporalio', 'Bun.']) expect({ server, found: code.includes(server) }).toEqual({ server, found: false })
  // Small enough for a phone on a slow network (Preact and the pages, minified).
  expect(code.length).toBeLessThan(200_000)
})
