import type { OrgPage } from './organization'
export const NewBridge: OrgPage = () => <p>New bridge</p>
