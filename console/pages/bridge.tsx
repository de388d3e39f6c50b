import type { OrgPage } from './organization'
export const Bridge: OrgPage = () => <p>Bridge</p>
