// The postgres driver (3.4.9) throws from a timer when a small write is scheduled on a
// connection whose socket has just closed (porsager/postgres#1066, #1154, #1208): nothing
// can catch it and the process dies. patches/postgres@3.4.9.patch settles the pending query
// with CONNECTION_CLOSED instead, and settles the queries a closed connection would
// otherwise keep forever (a write dropped at teardown, a query sent between the socket's
// error and its close). The scenario runs in a child process, so that without the patch
// this test fails (the child dies, or a query hangs) rather than killing the test runner.
import { expect, test } from 'bun:test'
import { ROOT } from '../../../../dev/services'

const SCENARIO = `
import postgres from 'postgres'
const url = process.env.DATABASE_URL
const sql = postgres(url, { max: 2, onnotice: () => {} })
const killer = postgres(url, { max: 1, onnotice: () => {} })
const reserved = await sql.reserve()
const [{ pid }] = await reserved\`select pg_backend_pid() as pid\`
await killer\`select pg_terminate_backend(\${pid})\`
const outcomes = []
const settle = (q) => Promise.race([q.then(() => 'ok', (e) => e.code ?? e.message), Bun.sleep(5000).then(() => 'hung')])
// Small writes (the driver defers them with setImmediate), then one of over 1 KB (written
// at once: unpatched, its failure schedules a Sync whose deferred write throws uncaught).
outcomes.push(await settle(reserved\`select 1\`))
outcomes.push(await settle(reserved\`select 1\`))
outcomes.push(await settle(reserved\`select \${'x'.repeat(2000)}::text as big\`))
// The pool itself still works.
const [{ one }] = await sql\`select 1 as one\`
console.log(JSON.stringify({ outcomes, one }))
reserved.release()
await Promise.all([sql.end({ timeout: 1 }), killer.end({ timeout: 1 })])
`

test('a reserved connection whose backend is terminated: each later query fails with CONNECTION_CLOSED, the process lives', async () => {
  const child = Bun.spawn(['bun', '-e', SCENARIO], {
    cwd: ROOT,
    env: { ...process.env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  expect({ code, err: code === 0 ? '' : err.trim().split('\n').slice(-3).join('\n') }).toEqual({ code: 0, err: '' })
  const result = JSON.parse(out.trim().split('\n').pop()!)
  expect(result.one).toBe(1)
  expect(result.outcomes).toHaveLength(3)
  // Each settles with a connection error the API turns into a 503: the reset itself (when
  // the socket saw it first) or CONNECTION_CLOSED; never 'hung', never the process gone.
  for (const o of result.outcomes) expect(['CONNECTION_CLOSED', 'ECONNRESET']).toContain(o)
  expect(result.outcomes.slice(1)).toEqual(['CONNECTION_CLOSED', 'CONNECTION_CLOSED'])
}, 30_000)
