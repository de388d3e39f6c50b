// What the admin API is built from: the pool, the config it reads, the log, and the
// Temporal client its bridge and webhook actions use.
import type { BridgeDeps } from '../bridges/service'
import type { Log } from '../log'
import type { AuthDeps } from './auth'
import type { WebhookDeps } from '../webhooks/service'

export type AdminDeps = BridgeDeps & {
  config: BridgeDeps['config'] & WebhookDeps['config'] & AuthDeps['config']
  log: Log
}
