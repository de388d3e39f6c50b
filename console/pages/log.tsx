import type { OrgPage } from './organization'
// Filled by the provisioning-log work.
export const ProvisioningLog: OrgPage = () => <p>Provisioning log</p>
