// The webhook workflows' search attributes (Keyword), for the Temporal UI:
// WebhookState = "disabled" lists the endpoints that gave up. OrganizationId is the bridges' own.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common'
import { ORGANIZATION_ID } from '../bridge/search-attributes'

export const WEBHOOK_ID = defineSearchAttributeKey('WebhookId', SearchAttributeType.KEYWORD)
export const WEBHOOK_STATE = defineSearchAttributeKey('WebhookState', SearchAttributeType.KEYWORD)
export { ORGANIZATION_ID }

export const WEBHOOK_SEARCH_ATTRIBUTE_NAMES = [WEBHOOK_ID, WEBHOOK_STATE].map((k) => k.name)
