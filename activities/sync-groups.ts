// A bridge sync's group phase, after its users are planned (memberships name users by the
// directory's id): page through the directory's groups and each one's members, staging
// them (server/groups/batch.ts); then apply the difference to this bridge's groups, or,
// previewing, count it. Memory stays one page of groups and one page of members, however
// large the directory.
import { heartbeat } from '@temporalio/activity'
import { applyGroups, beginGroupStaging, countGroupChanges, groupsToDelete, type GroupCounts, stageGroups, stageMembers } from '../server/groups/batch'
import type { Tx } from '../server/db/client'
import type { Connector } from './connectors'
import { DeactivationRefused, guardGroupDeletions } from './reconcile/plan'
import type { Progress, SyncTarget } from './sync-directory'

async function stageDirectoryGroups(tx: Tx, connector: Connector, signal: AbortSignal, progress: Progress): Promise<void> {
  await beginGroupStaging(tx)
  let cursor: string | null = null
  do {
    signal.throwIfAborted()
    const page = await connector.fetchGroupsPage(cursor, signal)
    await stageGroups(tx, page.groups)
    for (const group of page.groups) {
      let members: string | null = null
      do {
        signal.throwIfAborted()
        const memberPage = await connector.fetchMembersPage(group.externalId, members, signal)
        await stageMembers(tx, group.externalId, memberPage.userIds)
        members = memberPage.next
      } while (members)
      heartbeat(progress)
    }
    cursor = page.next
  } while (cursor)
}

/** As with users, a directory that suddenly lists few of this bridge's groups is an outage, not a purge. */
async function deletionRefusal(tx: Tx, target: SyncTarget): Promise<string | null> {
  return guardGroupDeletions({ ...(await groupsToDelete(tx, target.organizationId, target.bridgeId)), maxRatio: target.maxDeactivationRatio })
}

export async function syncGroups(tx: Tx, target: SyncTarget, connector: Connector, signal: AbortSignal, progress: Progress): Promise<GroupCounts> {
  await stageDirectoryGroups(tx, connector, signal, progress)
  const refusal = await deletionRefusal(tx, target)
  if (refusal) throw new DeactivationRefused(refusal)
  return applyGroups(tx, target.organizationId, target.bridgeId)
}

/** What syncGroups would do, written nowhere; the deletion guard's refusal, if any. */
export async function previewGroups(tx: Tx, target: SyncTarget, connector: Connector, signal: AbortSignal, progress: Progress) {
  await stageDirectoryGroups(tx, connector, signal, progress)
  return { counts: await countGroupChanges(tx, target.organizationId, target.bridgeId), refused: await deletionRefusal(tx, target) }
}
