import type { OrgPage } from './organization'
export const Users: OrgPage = () => <p>Users</p>
export const User: OrgPage = () => <p>User</p>
