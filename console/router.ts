// A tiny history router: the path is the state, so every page has a URL an admin can
// bookmark, reload and share.
import { useEffect, useState } from 'preact/hooks'

const listeners = new Set<() => void>()

export function navigate(to: string, replace = false): void {
  if (to === location.pathname + location.search) return
  history[replace ? 'replaceState' : 'pushState'](null, '', to)
  for (const f of listeners) f()
}

addEventListener('popstate', () => {
  for (const f of listeners) f()
})

/** The current location; re-renders on navigation. */
export function useLocation(): { path: string; params: URLSearchParams } {
  const [, bump] = useState(0)
  useEffect(() => {
    const f = () => bump((n) => n + 1)
    listeners.add(f)
    return () => void listeners.delete(f)
  }, [])
  return { path: location.pathname, params: new URLSearchParams(location.search) }
}

/** `pattern` like /console/orgs/:org/users/:id against `path`: its params, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/')
  const got = path.replace(/\/+$/, '').split('/')
  if (want.length !== got.length) return null
  const params: Record<string, string> = {}
  for (let i = 0; i < want.length; i++) {
    if (want[i]!.startsWith(':')) params[want[i]!.slice(1)] = decodeURIComponent(got[i]!)
    else if (want[i] !== got[i]) return null
  }
  return params
}

/** Replaces the query string (filters), keeping the path: a filtered view is a URL too. */
export function setParams(params: URLSearchParams): void {
  const s = params.toString()
  navigate(location.pathname + (s ? `?${s}` : ''), true)
}
