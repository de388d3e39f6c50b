#!/usr/bin/env bun
// Process entry: config -> db -> app -> listen, and the CLI subcommands.
import { type Deps, listenOptions, pruners } from './app'
import { AuditBuffer } from './audit'
import { loadConfig, type Config } from './config'
import { exitOnUncaught, onCrash } from './crash'
import { connect, type ConnectOptions, ping } from './db/client'
import { migrate } from './db/migrate'
import { createLog, type Log } from './log'
import { startRetention } from './retention'
import { connectTemporal } from './temporal'

const USAGE = `usage: scim-bridge <command>

commands:
  serve     run the HTTP server (SCIM + admin API); applies pending migrations first
  worker    run the Temporal worker (bridge workflows and sync activities)
  migrate   apply pending database migrations and exit
  dev       start local Postgres and Temporal if needed, then serve + worker in one process
            (from a checkout: \`bun run dev\`; the compiled binary runs the other three)

configuration comes from the environment: see README.md`

/** Stops what a command started; `finally` runs after it even when the grace period cut it short. */
type Stop = (() => Promise<void>) & { finally?: () => Promise<void> }

// The dev services (local Postgres and Temporal) are loaded by path at run time, so they stay
// out of the compiled binary: `dev` needs a checkout.
async function lazy<T>(relative: string): Promise<T> {
  try {
    return (await import(new URL(relative, import.meta.url).href)) as T
  } catch (e) {
    if (Bun.isStandaloneExecutable) {
      throw new Error('the compiled binary runs `serve`, `worker` and `migrate`: run `bun run dev` from a checkout for local services')
    }
    throw e
  }
}

async function openDb(config: Config, log: Log, opts: ConnectOptions = {}) {
  if (!config.DATABASE_URL) throw new Error('config: DATABASE_URL is not set. Point it at Postgres (postgres://user:pass@host:5432/db), or use `bun run dev`.')
  const sql = connect(config.DATABASE_URL, config.DATABASE_POOL_MAX, opts)
  await ping(sql, config.DATABASE_URL)
  const applied = await migrate(sql)
  if (applied.length) log.info('migrations applied', applied)
  return sql
}

async function serve(config: Config, log: Log): Promise<Stop> {
  // Loaded here, not at the top: the worker process never needs Elysia and the routes.
  const { buildApp } = await import('./app')
  // A request waits at most this long for a row another writer holds (a directory sync
  // holds the rows it changed until it commits), then answers 503 with Retry-After.
  const sql = await openDb(config, log, { lockTimeoutMs: 10_000 })
  const temporal = await connectTemporal(config)
  // Events go in on a connection of their own: a batch INSERT never holds up the queries
  // of requests that the driver would otherwise pipeline behind it.
  const auditSql = connect(config.DATABASE_URL!, 1) // set: openDb checked it
  const audit = new AuditBuffer(auditSql, log, { maxBodyBytes: config.AUDIT_MAX_BODY_BYTES })
  onCrash(() => audit.close(900))
  // In serve, beside the API whose history it bounds; replicas pruning at once take disjoint rows or wait, never double-count.
  const stopRetention = startRetention(sql, log, pruners(config))
  const deps: Deps = { config, sql, temporal, log, audit }
  const app = buildApp(deps).listen(listenOptions(config))
  log.info('listening', { url: `http://${config.HOST}:${app.server!.port}`, publicUrl: config.PUBLIC_URL })
  return async () => {
    await app.server?.stop() // stops accepting, lets in-flight requests finish
    await audit.close() // the events of those last requests
    await auditSql.end({ timeout: 5 })
    await stopRetention()
    await temporal.close()
    await sql.end({ timeout: 5 })
  }
}

async function worker(config: Config, log: Log): Promise<Stop> {
  const sql = await openDb(config, log)
  // Loaded here, not at the top: `serve` never needs the native Temporal core.
  const { startWorker } = await import('./worker')
  const w = await startWorker({ config, sql, log })
  log.info('worker polling', { taskQueue: config.TEMPORAL_TASK_QUEUE, namespace: config.TEMPORAL_NAMESPACE })
  return async () => {
    await w.stop()
    await sql.end({ timeout: 5 })
  }
}

/**
 * serve + worker over local services. Whatever ends it (a signal to this process alone, as
 * a supervisor sends it; a failed start; a crash), the Postgres and Temporal it started
 * are stopped too: they are its children, and nothing else would stop them.
 */
async function dev(log: Log): Promise<Stop> {
  const { startLocalServices } = await lazy<typeof import('../dev/local')>('../dev/local.ts')
  const local = await startLocalServices()
  onCrash(() => local.stop())
  try {
    const config = loadConfig(process.env)
    const stopServe = await serve(config, log)
    const stopWorker = await worker(config, log).catch(async (e) => {
      await stopServe()
      throw e
    })
    local.banner(config)
    const stop: Stop = async () => {
      await stopServe()
      await stopWorker()
    }
    stop.finally = () => local.stop()
    return stop
  } catch (e) {
    await local.stop()
    throw e
  }
}

async function main(argv: string[]): Promise<number> {
  const cmd = argv[0]
  if (!cmd || !['serve', 'worker', 'migrate', 'dev'].includes(cmd)) {
    console.error(cmd && !['-h', '--help', 'help'].includes(cmd) ? `unknown command: ${cmd}\n\n${USAGE}` : USAGE)
    return cmd && !['-h', '--help', 'help'].includes(cmd) ? 2 : cmd ? 0 : 2
  }
  // `dev` loads it again once its local services have set their addresses.
  const config = loadConfig()
  const log = createLog(config.LOG_LEVEL)
  exitOnUncaught(log)
  // Listen for signals from the start, so one that lands during startup still drains.
  // A second signal exits at once.
  let stopping = false
  const signalled = new Promise<string>((resolve) => {
    for (const sig of ['SIGTERM', 'SIGINT'] as const) {
      process.on(sig, () => {
        if (stopping) process.exit(130)
        stopping = true
        resolve(sig)
      })
    }
  })
  if (cmd === 'migrate') {
    const sql = await openDb(config, log)
    await sql.end()
    console.log('schema is up to date')
    return 0
  }
  const stop = cmd === 'dev' ? await dev(log) : await (cmd === 'serve' ? serve : worker)(config, log)
  log.info('shutting down', { signal: await signalled })
  await Promise.race([stop(), Bun.sleep(config.SHUTDOWN_GRACE_MS).then(() => log.warn('shutdown grace period exceeded; exiting'))])
  await stop.finally?.()
  return 0
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    // One line that says what is wrong and how to fix it; no stack trace.
    console.error(`scim-bridge: ${String((e as Error)?.message ?? e).split('\n')[0]}`)
    process.exit(1)
  },
)
