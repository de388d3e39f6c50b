// The console's shell: who is logged in, the navigation, and the route table. Each page
// lives in pages/ and reads the admin API itself.
import type { ComponentType } from 'preact'
import { render } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { type Session, session } from './api'
import { SessionContext } from './session'
import { match, navigate, useLocation } from './router'
import { Failure, Link } from './ui'
import { Login } from './pages/login'
import { Organizations } from './pages/organizations'
import { OrganizationShell } from './pages/organization'
import { AccessKeys } from './pages/access-keys'

// Routes below /console/orgs/:org are the organization's tabs (pages/organization.tsx).
const ROUTES: [string, ComponentType<{ params: Record<string, string> }>][] = [
  ['/console', Organizations],
  ['/console/keys', AccessKeys],
]

function App() {
  const { path } = useLocation()
  const [me, setMe] = useState<Session | null | undefined>(undefined)
  const [error, setError] = useState<Error>()
  useEffect(() => {
    session.current().then(setMe, setError)
  }, [])

  if (path === '/console/login') return <Login onIn={setMe} />
  if (error) return <main class="page"><Failure error={error} /></main>
  if (me === undefined) return <p class="muted page">Loading…</p>
  if (me === null) {
    navigate(`/console/login?next=${encodeURIComponent(path + location.search)}`, true)
    return null
  }
  // A key bound to one organization has nothing else to see.
  if (path === '/console' && me.organizationId) navigate(`/console/orgs/${me.organizationId}`, true)

  let page = <NotFound />
  for (const [pattern, Page] of ROUTES) {
    const params = match(pattern, path)
    if (params) page = <Page params={params} />
  }
  if (path.startsWith('/console/orgs/')) page = <OrganizationShell path={path} />

  return (
    <SessionContext.Provider value={me}>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <Link href="/console" class="brand">scim-bridge</Link>
        <nav aria-label="main">
          {!me.organizationId && <Link href="/console">Organizations</Link>}
          {me.kind === 'root' || !me.organizationId ? <Link href="/console/keys">Access keys</Link> : null}
        </nav>
        <span class="who">{me.kind === 'root' ? 'ADMIN_TOKEN' : 'access key'}</span>
        <button
          type="button"
          class="secondary small"
          onClick={async () => {
            await session.logout().catch(() => undefined)
            setMe(null)
            navigate('/console/login', true)
          }}
        >
          Log out
        </button>
      </header>
      <main id="main" class="page">
        {page}
      </main>
    </SessionContext.Provider>
  )
}

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        There is no console page here. <Link href="/console">Back to the organizations</Link>.
      </p>
    </section>
  )
}

render(<App />, document.getElementById('app')!)
