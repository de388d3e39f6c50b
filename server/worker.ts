// The Temporal worker: bridge and webhook workflows (bundled from workflows/ in a child process,
// or built into the compiled binary by dev/build.ts) and their activities.
import { Client } from '@temporalio/client'
import { NativeConnection, Runtime, Worker } from '@temporalio/worker'
import { createActivities } from '../activities'
import { ensureBridgeWorkflows } from './bridges/workflows'
import type { Config } from './config'
import type { Sql } from './db/client'
import type { Log } from './log'
import { SEARCH_ATTRIBUTE_NAMES } from '../bridge/search-attributes'
import { WEBHOOK_SEARCH_ATTRIBUTE_NAMES } from '../webhook/search-attributes'
import { ensureWebhookWorkflows } from './webhooks/service'
import { ensureSearchAttributes, firstLine } from './temporal'
import { prepareWorkflowBundle } from './workflow-bundle'
import { runtimeOptions } from './worker-telemetry'

let runtimeInstalled = false
function installRuntime(config: Config, log: Log) {
  if (runtimeInstalled) return
  runtimeInstalled = true
  Runtime.install(runtimeOptions(config, log))
}

export async function startWorker(deps: { config: Config; sql: Sql; log: Log }) {
  const { config } = deps
  installRuntime(config, deps.log)
  const address = config.TEMPORAL_ADDRESS
  if (!address) throw new Error('temporal: TEMPORAL_ADDRESS is not set. Point it at a Temporal frontend (host:7233), or use `bun run dev`.')
  let connection: NativeConnection
  try {
    connection = await NativeConnection.connect({ address })
  } catch (e) {
    throw new Error(`temporal: cannot reach ${address}: ${firstLine(e)}. Check TEMPORAL_ADDRESS and that the server is running.`)
  }
  // One connection for the worker and the client that starts missing bridge workflows.
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE })
  const registered = await ensureSearchAttributes(connection, config.TEMPORAL_NAMESPACE, [...SEARCH_ATTRIBUTE_NAMES, ...WEBHOOK_SEARCH_ATTRIBUTE_NAMES])
  if (registered.length) deps.log.info('registered search attributes', registered)
  // webpack never runs here: a worker bundling its own workflows peaks ~150 MB higher.
  const workflowBundle = await prepareWorkflowBundle()
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle,
    activities: createActivities({ sql: deps.sql, log: deps.log, secretsKey: config.SECRETS_KEY, allowPrivate: config.OUTBOUND_ALLOW_PRIVATE }),
    // Cancellation reaches a running activity with its next heartbeat: keep pausing a sync prompt.
    maxHeartbeatThrottleInterval: '2 seconds',
  })
  const bridges = await ensureBridgeWorkflows(client, deps.sql, config.TEMPORAL_TASK_QUEUE)
  if (bridges) deps.log.info('bridge workflows ensured', { bridges })
  const endpoints = await ensureWebhookWorkflows(client, deps.sql, config.TEMPORAL_TASK_QUEUE)
  if (endpoints) deps.log.info('webhook workflows ensured', { endpoints })
  const running = worker.run()
  return {
    worker,
    running,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown()
      await running.catch((e) => deps.log.error('worker stopped with an error', e))
      await connection.close()
    },
  }
}
