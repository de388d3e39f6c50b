// The worker's Temporal SDK metrics (task slots, poll and schedule-to-start latencies,
// workflow and activity outcomes: the temporal_* series) through the SDK's own Prometheus
// exporter, served at http://<HOST>:<WORKER_METRICS_PORT>/metrics. The runtime is
// installed once per process, so these are options for that one Runtime.install call.
import type { TelemetryOptions } from '@temporalio/worker'
import type { Config } from './config'

export function workerTelemetry(config: Pick<Config, 'HOST' | 'WORKER_METRICS_PORT'>): TelemetryOptions | undefined {
  if (config.WORKER_METRICS_PORT === undefined) return undefined
  const host = config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST
  return {
    metrics: {
      // Seconds and _total suffixes: the names Prometheus conventions (and our dashboards) expect.
      prometheus: { bindAddress: `${host}:${config.WORKER_METRICS_PORT}`, useSecondsForDurations: true, countersTotalSuffix: true },
    },
  }
}
