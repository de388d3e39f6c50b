import type { OrgPage } from './organization'
export const Bridges: OrgPage = () => <p>Bridges</p>
