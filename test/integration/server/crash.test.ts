// An error nobody catches ends the process: one JSON line with the stack, the buffered
// last words flushed, exit status 1 (for the supervisor to restart it).
import { expect, test } from 'bun:test'
import { ROOT } from '../../../dev/services'


async function run(trigger: string) {
  const script = `
    import { exitOnUncaught, onCrash } from './server/crash'
    import { createLog } from './server/log'
    exitOnUncaught(createLog('info'))
    onCrash(async () => { await Bun.sleep(10); console.log('flushed') })
    ${trigger}
    setTimeout(() => console.log('still alive'), 3000)
  `
  const child = Bun.spawn(['bun', '-e', script], { cwd: ROOT, stdout: 'pipe', stderr: 'pipe' })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { out, lines: err.trim().split('\n').filter(Boolean), code }
}

test.each([
  ['an exception thrown from a timer', `setTimeout(() => { throw new Error('boom in a timer') }, 10)`, 'fatal: uncaught exception', 'boom in a timer'],
  ['a rejected promise nobody awaits', `setTimeout(() => { Promise.reject(new Error('boom in a promise')) }, 10)`, 'fatal: unhandled promise rejection', 'boom in a promise'],
])('%s: one JSON line with the stack, last words flushed, exit 1', async (_, trigger, msg, message) => {
  const { out, lines, code } = await run(trigger)
  expect(code).toBe(1)
  expect(out).toContain('flushed')
  expect(out).not.toContain('still alive')
  expect(lines).toHaveLength(1)
  const line = JSON.parse(lines[0]!)
  expect(line).toMatchObject({ level: 'error', msg: `${msg}; exiting so that the supervisor restarts the process`, detail: { error: message } })
  expect(line.detail.stack).toContain(message)
  expect(line.detail.stack).toContain('at ')
}, 15_000)
