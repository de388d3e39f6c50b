import type { OrgPage } from './organization'
export const Groups: OrgPage = () => <p>Groups</p>
export const Group: OrgPage = () => <p>Group</p>
