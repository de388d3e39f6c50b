// A bridge as the admin API shows it: the row, the retry settings in force, and the
// provider settings without their secrets.
import { publicSettings } from '../../bridge/providers'
import { parseSecretsKey } from '../../bridge/secrets'
import { bridgeWorkflowId, type RetrySettings } from '../../bridge/messages'
import { DEFAULT_MAX_CONSECUTIVE_FAILURES, DEFAULT_MAXIMUM_INTERVAL_SECONDS } from '../../bridge/backoff'
import { refusal } from '../../workflows/bridge-rules'
import type { BridgeConfig } from './workflows'
import { type BridgeRow, openSettings } from '../../bridge/store'

export type BridgeView = ReturnType<typeof toView>

/** What the bridge's rows elsewhere say: the users it manages, and its run in progress. */
export type BridgeActivity = { usersManaged: number; syncingSince: Date | null }

export function toView(row: BridgeRow, config: BridgeConfig, activity: BridgeActivity) {
  const workflowId = bridgeWorkflowId(row.id)
  return {
    id: row.id,
    organizationId: row.organizationId,
    name: row.name,
    provider: row.provider,
    state: row.state,
    // Why each admin action would be refused now (409), null when it would run: the console disables its buttons by these.
    refusals: {
      pause: refusal('pause', row),
      resume: refusal('resume', row),
      enable: refusal('enable', row),
      sync: refusal('syncNow', row),
    },
    usersManaged: activity.usersManaged,
    syncingSince: activity.syncingSince,
    consecutiveFailures: row.consecutiveFailures,
    lastSyncAt: row.lastSyncAt,
    nextSyncAt: row.nextSyncAt,
    lastError: row.lastError,
    intervalSeconds: row.intervalSeconds,
    excludedEmails: row.excludedEmails,
    // The values in force, defaults included.
    retry: {
      initialIntervalSeconds: row.retry.initialIntervalSeconds ?? row.intervalSeconds,
      maximumIntervalSeconds: row.retry.maximumIntervalSeconds ?? DEFAULT_MAXIMUM_INTERVAL_SECONDS,
      maxConsecutiveFailures: row.retry.maxConsecutiveFailures ?? DEFAULT_MAX_CONSECUTIVE_FAILURES,
    } satisfies Required<RetrySettings>,
    maxDeactivationRatio: row.maxDeactivationRatio,
    syncGroups: row.syncGroups,
    settings: shownSettings(row, config),
    workflowId,
    ...(config.TEMPORAL_UI_URL
      ? { workflowUrl: `${config.TEMPORAL_UI_URL.replace(/\/+$/, '')}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows/${workflowId}` }
      : {}),
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  }
}

/** The settings without their secrets; null when this server cannot open them (no or another SECRETS_KEY). */
function shownSettings(row: BridgeRow, config: BridgeConfig): Record<string, unknown> | null {
  try {
    const { provider, settings } = openSettings(row, parseSecretsKey(config.SECRETS_KEY))
    // Validated against `provider`'s schema; TypeScript cannot correlate the union's halves.
    return publicSettings(provider, settings as never)
  } catch {
    return null
  }
}
