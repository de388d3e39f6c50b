// Activities get their dependencies injected (samples-typescript's createActivities).
import { type BridgeActivityDeps, createBridgeActivities } from './sync'
import { createWebhookActivities, type WebhookActivityDeps } from './webhooks'

export type ActivityDeps = BridgeActivityDeps & WebhookActivityDeps

export function createActivities(deps: ActivityDeps) {
  return {
    ...createBridgeActivities(deps),
    ...createWebhookActivities(deps),
    async describeWorker(): Promise<string> {
      const [row] = await deps.sql<{ v: string }[]>`select current_setting('server_version') as v`
      const runtime = typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`
      return `${runtime}, postgres ${row!.v}`
    },
  }
}

export type Activities = ReturnType<typeof createActivities>
