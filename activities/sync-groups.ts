// A bridge sync's group phase, after its users are written (memberships name users by the
// directory's id, and the sync's new users exist only from then on): page through the
// directory's groups and each one's members, staging them; then apply the difference to
// this bridge's groups in a few statements (server/groups/batch.ts). Memory stays one
// page of groups and one page of members, however large the directory.
import { heartbeat } from '@temporalio/activity'
import { applyGroups, beginGroupStaging, groupsToDelete, type GroupCounts, stageMembers, upsertGroups } from '../server/groups/batch'
import type { Tx } from '../server/db/client'
import type { Connector } from './connectors'
import { DeactivationRefused, guardGroupDeletions } from './reconcile/plan'
import type { Progress, SyncTarget } from './sync-directory'

export async function syncGroups(tx: Tx, target: SyncTarget, connector: Connector, signal: AbortSignal, progress: Progress): Promise<GroupCounts> {
  const { organizationId: org, bridgeId } = target
  await beginGroupStaging(tx)
  let groupsCreated = 0
  let groupsUpdated = 0
  let cursor: string | null = null
  do {
    signal.throwIfAborted()
    const page = await connector.fetchGroupsPage(cursor, signal)
    const upserted = await upsertGroups(tx, org, bridgeId, page.groups)
    groupsCreated += upserted.created
    groupsUpdated += upserted.updated
    for (const group of page.groups) {
      const groupId = upserted.ids.get(group.externalId)!
      let members: string | null = null
      do {
        signal.throwIfAborted()
        const memberPage = await connector.fetchMembersPage(group.externalId, members, signal)
        await stageMembers(tx, groupId, memberPage.userIds)
        members = memberPage.next
      } while (members)
      heartbeat(progress)
    }
    cursor = page.next
  } while (cursor)

  // As with users: a directory that suddenly lists few of this bridge's groups is an outage, not a purge.
  const refusal = guardGroupDeletions({ ...(await groupsToDelete(tx, org, bridgeId)), maxRatio: target.maxDeactivationRatio })
  if (refusal) throw new DeactivationRefused(refusal)
  return { groupsCreated, groupsUpdated, ...(await applyGroups(tx, org, bridgeId)) }
}
