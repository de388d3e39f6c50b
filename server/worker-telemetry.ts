// The worker's Temporal runtime, installed once per process: its logs and its metrics.
// - Logs: the SDK's own lines (worker state, workflow and activity loggers) and the Rust
//   core's (forwarded) go through our log, so the worker writes one JSON object per line
//   like the server, with the workflow's and activity's ids, and LOG_CAPTURE_FILE gets them.
// - Metrics: task slots, poll and schedule-to-start latencies, workflow and activity
//   outcomes (the temporal_* series) through the SDK's own Prometheus exporter, served at
//   http://<HOST>:<WORKER_METRICS_PORT>/metrics.
import { DefaultLogger, type LogEntry, type LogLevel, makeTelemetryFilterString, type RuntimeOptions, type TelemetryOptions } from '@temporalio/worker'
import type { Config } from './config'
import { type Log, type LogContext, withLogContext } from './log'

type RuntimeConfig = Pick<Config, 'HOST' | 'WORKER_METRICS_PORT' | 'LOG_LEVEL'>

/** The SDK logs every worker state change at INFO: keep its voice at our level, or warn at least. */
const sdkLevel = (level: Config['LOG_LEVEL']): LogLevel => (level === 'debug' ? 'DEBUG' : level === 'error' ? 'ERROR' : 'WARN')

export function runtimeOptions(config: RuntimeConfig, log: Log): RuntimeOptions {
  // shutdownSignals: [] because main.ts owns SIGTERM and drains the HTTP server first.
  return { logger: sdkLogger(log, sdkLevel(config.LOG_LEVEL)), shutdownSignals: [], telemetryOptions: workerTelemetry(config) }
}

export function workerTelemetry(config: RuntimeConfig): TelemetryOptions {
  const level = sdkLevel(config.LOG_LEVEL)
  // The core's DEBUG is every poll: INFO is as far as it goes.
  const logging = { forward: {}, filter: makeTelemetryFilterString({ core: level === 'DEBUG' ? 'INFO' : level, other: 'ERROR' }) }
  if (config.WORKER_METRICS_PORT === undefined) return { logging }
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
  return {
    logging,
    metrics: {
      // Seconds and _total suffixes: the names Prometheus conventions (and our dashboards) expect.
      prometheus: { bindAddress: `${host}:${config.WORKER_METRICS_PORT}`, useSecondsForDurations: true, countersTotalSuffix: true },
    },
  }
}

const LEVELS: Record<LogLevel, keyof Log> = { TRACE: 'debug', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' }

/** The SDK's log entries as our lines: its workflow and run ids as the line's own fields, errors as text. */
export function sdkLogger(log: Log, level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const { workflowId, runId, activityType, ...rest } = (entry.meta ?? {}) as Record<string, unknown>
    const fields: LogContext = {}
    if (typeof workflowId === 'string') fields.workflowId = workflowId
    if (typeof runId === 'string') fields.runId = runId
    if (typeof activityType === 'string') fields.activity = activityType
    const detail = Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, v instanceof Error ? { error: v.message, stack: v.stack } : v]))
    withLogContext(fields, () => log[LEVELS[entry.level]](`temporal: ${entry.message}`, Object.keys(detail).length ? detail : undefined))
  })
}
