// The logged-in session (what the server said at load): pages read the SCIM endpoint and
// the Temporal UI's address from it.
import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import type { Session } from './api'

export const SessionContext = createContext<Session | null>(null)

export function useSession(): Session {
  const s = useContext(SessionContext)
  if (!s) throw new Error('useSession outside a logged-in page')
  return s
}
