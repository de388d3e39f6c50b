// The worker process exports Temporal's SDK metrics on WORKER_METRICS_PORT, and writes the
// SDK's logs as our JSON lines. A process of its own: the SDK's runtime (its exporter and
// logger) is installed once per process.
import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ROOT } from '../../../dev/services'
import { workerTelemetry } from '../../../server/worker-telemetry'
import { connect } from '../../../server/db/client'
import { connectTemporal } from '../../../server/temporal'
import { testConfig } from '../../support'

function freePort(): number {
  const s = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = s.port
  s.stop(true)
  return port
}

let worker: Bun.Subprocess | undefined
// A database of its own: a worker starts the workflows of every bridge it finds, and this
// one would take other tests' bridges onto a task queue nobody polls once it is gone.
const root = connect(process.env.DATABASE_URL!, 1)
const database = `worker_metrics_${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`
afterAll(async () => {
  worker?.kill('SIGTERM')
  await worker?.exited
  await root`drop database if exists ${root(database)} with (force)`
  await root.end()
})

test('without WORKER_METRICS_PORT the runtime exports nothing; with it, Prometheus on HOST:port; logs are always forwarded', () => {
  const off = workerTelemetry({ HOST: '0.0.0.0', WORKER_METRICS_PORT: undefined, LOG_LEVEL: 'info' })
  expect(off.metrics).toBeUndefined()
  expect(off.logging).toMatchObject({ forward: {} })
  expect(workerTelemetry({ HOST: '::', WORKER_METRICS_PORT: 9464, LOG_LEVEL: 'info' }).metrics).toMatchObject({ prometheus: { bindAddress: '[::]:9464' } })
})

const taskQueue = `test-${crypto.randomUUID()}`
const config = testConfig({ TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! })

test('a running worker serves temporal_ metrics on WORKER_METRICS_PORT, and its stderr (SDK lines too) is JSON lines', async () => {
  await root`create database ${root(database)}`
  const url = new URL(process.env.DATABASE_URL!)
  url.pathname = `/${database}`
  const port = freePort()
  worker = Bun.spawn(['bun', join(ROOT, 'server/main.ts'), 'worker'], {
    env: { ...process.env, DATABASE_URL: url.toString(), HOST: '127.0.0.1', WORKER_METRICS_PORT: String(port), TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'debug' } as Record<string, string>,
    stdout: 'ignore',
    stderr: 'pipe',
  })
  const stderr = new Response(worker.stderr as ReadableStream).text()
  let text = ''
  const deadline = Date.now() + 50_000
  // The pollers' gauges appear once the worker polls its task queue.
  while (Date.now() < deadline && !/^temporal_num_pollers\{/m.test(text)) {
    text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '')
    await Bun.sleep(250)
  }
  expect(text).toMatch(/^temporal_num_pollers\{/m)
  // Activity series appear once an activity ran: `ping` runs one.
  const temporal = await connectTemporal(config)
  await temporal.client.workflow.execute('ping', { taskQueue, workflowId: `ping-${crypto.randomUUID()}`, args: ['metrics'] })
  await temporal.close()
  text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text())
  expect(text).toMatch(/^temporal_activity_execution_latency_count\{.*activity_type="describeWorker"/m)
  expect(text).toMatch(/^temporal_worker_start_total\{/m)
  expect(worker.exitCode).toBeNull()
  // The sample dashboard's worker panels use series this exporter really writes.
  const dashboard = await Bun.file(join(ROOT, 'docs/grafana-dashboard.json')).json()
  const used = new Set<string>(JSON.stringify(dashboard).match(/temporal_[a-z_]+/g)!)
  expect(used.size).toBeGreaterThan(2)
  const family = (series: string) => series.replace(/_(bucket|sum|count)$/, '')
  for (const name of used) expect(text).toMatch(new RegExp(`^# TYPE ${family(name)} `, 'm'))

  // Its stderr, SDK lines included, is one JSON object per line; the SDK's lines about the
  // ping activity carry the workflow's id as a field of the line, like ours.
  worker.kill('SIGTERM')
  await worker.exited
  const lines = (await stderr).split('\n').filter(Boolean)
  const parsed = lines.map((line) => {
    try {
      return JSON.parse(line) as Record<string, unknown>
    } catch {
      throw new Error(`not a JSON line on the worker's stderr: ${line}`)
    }
  })
  const sdk = parsed.filter((l) => String(l.msg).startsWith('temporal: '))
  expect(sdk.length).toBeGreaterThan(0)
  expect(sdk.some((l) => String(l.workflowId).startsWith('ping-') && l.activity === 'describeWorker')).toBe(true)
}, 60_000)
