// Activities get their dependencies injected (samples-typescript's createActivities).
import { asyncLocalStorage } from '@temporalio/activity'
import { withLogContext } from '../server/log'
import { type BridgeActivityDeps, createBridgeActivities } from './sync'
import { createWebhookActivities, type WebhookActivityDeps } from './webhooks'

export type ActivityDeps = BridgeActivityDeps & WebhookActivityDeps

export function createActivities(deps: ActivityDeps) {
  return withWorkflowIds({
    ...createBridgeActivities(deps),
    ...createWebhookActivities(deps),
    async describeWorker(): Promise<string> {
      const [row] = await deps.sql<{ v: string }[]>`select current_setting('server_version') as v`
      const runtime = typeof Bun !== 'undefined' ? `bun ${Bun.version}` : `node ${process.version}`
      return `${runtime}, postgres ${row!.v}`
    },
  })
}

/**
 * Every line an activity logs names the workflow run it works for, so an operator can go
 * from a log line to the workflow in the Temporal UI. Called outside a worker (tests),
 * an activity runs as is.
 */
function withWorkflowIds<T extends Record<string, (...args: any[]) => Promise<unknown>>>(activities: T): T {
  const wrapped = Object.entries(activities).map(([name, fn]) => [
    name,
    (...args: unknown[]) => {
      const info = asyncLocalStorage.getStore()?.info
      const run = info?.workflowExecution
      if (!run) return fn(...args)
      return withLogContext({ workflowId: run.workflowId, runId: run.runId, activity: info.activityType }, () => fn(...args))
    },
  ])
  return Object.fromEntries(wrapped) as T
}

export type Activities = ReturnType<typeof createActivities>
