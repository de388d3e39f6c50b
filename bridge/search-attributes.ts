// The custom search attributes operators filter on in the Temporal UI
// (e.g. BridgeState = "failed"). All Keyword. Shared by workflows, worker and dev server.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common'

export const BRIDGE_ID = defineSearchAttributeKey('BridgeId', SearchAttributeType.KEYWORD)
export const ORGANIZATION_ID = defineSearchAttributeKey('OrganizationId', SearchAttributeType.KEYWORD)
export const BRIDGE_PROVIDER = defineSearchAttributeKey('BridgeProvider', SearchAttributeType.KEYWORD)
export const BRIDGE_STATE = defineSearchAttributeKey('BridgeState', SearchAttributeType.KEYWORD)

export const SEARCH_ATTRIBUTE_NAMES = [BRIDGE_ID, ORGANIZATION_ID, BRIDGE_PROVIDER, BRIDGE_STATE].map((k) => k.name)
