import { afterEach, expect, test } from 'bun:test'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from '../../../dev/services'
import { annotateLogContext, createLog, withLogContext } from '../../../server/log'

const lines: Record<string, unknown>[] = []
const into = (line: string) => void lines.push(JSON.parse(line))
afterEach(() => {
  lines.length = 0
})

test('one JSON object per line, level-filtered; an Error becomes its message and stack', () => {
  const log = createLog('info', into)
  log.debug('hidden')
  log.warn('failed', new Error('boom'))
  expect(lines).toEqual([{ t: expect.any(String), level: 'warn', msg: 'failed', detail: { error: 'boom', stack: expect.any(String) } }])
})

test('lines written in a context carry it, across awaits, and what is annotated later', async () => {
  const log = createLog('info', into)
  await withLogContext({ requestId: 'r-1' }, async () => {
    await Bun.sleep(1)
    annotateLogContext({ organizationId: 'org-1' })
    log.info('inside', { n: 1 })
  })
  log.info('outside')
  expect(lines).toEqual([
    { t: expect.any(String), level: 'info', msg: 'inside', requestId: 'r-1', organizationId: 'org-1', detail: { n: 1 } },
    { t: expect.any(String), level: 'info', msg: 'outside' },
  ])
})

test('a line given its fields carries them instead of the current context', async () => {
  const log = createLog('info', into)
  await withLogContext({ requestId: 'r-current' }, async () => log.info('given', undefined, { requestId: 'r-given', organizationId: 'org-2' }))
  expect(lines).toEqual([{ t: expect.any(String), level: 'info', msg: 'given', requestId: 'r-given', organizationId: 'org-2' }])
})

test('LOG_CAPTURE_FILE receives every level, whatever LOG_LEVEL shows', async () => {
  const file = join(tmpdir(), `capture-${crypto.randomUUID()}.jsonl`)
  const script = `import { createLog } from './server/log'; const l = createLog('error'); l.debug('d'); l.error('e')`
  const r = Bun.spawnSync(['bun', '-e', script], { cwd: ROOT, env: { ...process.env, LOG_CAPTURE_FILE: file }, stderr: 'pipe' })
  expect(r.stderr.toString().trim().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['e'])
  expect((await Bun.file(file).text()).trim().split('\n').map((l) => JSON.parse(l).msg)).toEqual(['d', 'e'])
})
