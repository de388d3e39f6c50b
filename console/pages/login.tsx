// Login: ADMIN_TOKEN or an admin access key, exchanged for an HttpOnly session cookie.
// The token goes to the server once and is never kept by the page.
import { useState } from 'preact/hooks'
import { type Session, session } from '../api'
import { navigate, useLocation } from '../router'
import { Failure, Field, useTask } from '../ui'

export function Login({ onIn }: { onIn: (s: Session) => void }) {
  const { params } = useLocation()
  const [token, setToken] = useState('')
  const next = params.get('next')
  const login = useTask(async () => {
    await session.login(token)
    setToken('')
    const me = await session.current()
    if (!me) throw new Error('the session cookie was not kept: allow cookies for this site')
    onIn(me)
    // Only our own pages: `next` comes from the URL, which anyone can write.
    navigate(next && next.startsWith('/console') && !next.startsWith('//') ? next : '/console', true)
  })
  return (
    <main class="page narrow" id="main">
      <h1>scim-bridge console</h1>
      <form class="card" onSubmit={login.submit}>
        <Field label="Admin token or access key" help="ADMIN_TOKEN from the server's environment, or an access key with the admin scope. It is exchanged for a session cookie that expires after 12 hours.">
          <input type="password" name="token" autoComplete="current-password" required value={token} onInput={(e) => setToken(e.currentTarget.value)} autoFocus />
        </Field>
        {login.error && <Failure error={login.error} />}
        <button type="submit" disabled={login.busy || !token}>
          {login.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  )
}
