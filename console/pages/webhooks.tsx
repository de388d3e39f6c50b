import type { OrgPage } from './organization'
export const Webhooks: OrgPage = () => <p>Webhooks</p>
export const Webhook: OrgPage = () => <p>Webhook</p>
