// The bridge workflow runs for years: code changes must not break executions already
// running. Each history in test/fixtures/histories/ (recorded from real runs by
// test/fixtures/histories/record.ts, with the code of its day) is replayed through
// today's workflow code; a non-deterministic change fails here, not in production.
import { expect, test } from 'bun:test'
import { historyFromJSON } from '@temporalio/common/lib/proto-utils'
import { Worker } from '@temporalio/worker'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../../dev/services'
import { prepareWorkflowBundle } from '../../../server/workflow-bundle'

const DIR = join(ROOT, 'test/fixtures/histories')
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'))

test('there are recorded histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(2)
})

test.each(files)('%s replays on today\'s workflow code', async (file) => {
  const history = historyFromJSON(JSON.parse(await Bun.file(join(DIR, file)).text()))
  expect(history.events?.length).toBeGreaterThan(10)
  // Throws DeterminismViolationError when today's code would issue other commands.
  await Worker.runReplayHistory({ workflowBundle: await prepareWorkflowBundle() }, history, `replay-${file}`)
}, 120_000)
