// The admin console: the browser app in console/ (bundled by Bun from its HTML import,
// inside the compiled binary too), served at /console and /console/*, and its session
// routes. The app holds no data: it calls the admin API with the session cookie.
//
// The pages are static routes (Elysia hands HTML bundles to Bun.serve), so they exist
// only on a listening server, never through app.handle(). They are their own plugin,
// mounted before the request hooks (ids, access log) that would stop them being static;
// the session API is mounted after them, so its answers carry an x-request-id.
import { Elysia } from 'elysia'
import * as v from 'valibot'
import page from '../../console/index.html'
import { type AuthDeps, credentialHolder } from '../admin/auth'
import { ApiError, ADMIN_ERRORS, answerErrors } from '../admin/errors'
import type { Config } from '../config'
import type { Sql } from '../db/client'
import type { Log } from '../log'
import { clearSessionCookie, mayWriteWithCookie, sessionCookie, setSessionCookie } from '../sessions/cookie'
import { endSession, sessionHolder, startSession } from '../sessions/store'

export type ConsoleDeps = {
  sql: Sql
  log: Log
  config: AuthDeps['config'] & Pick<Config, 'TEMPORAL_UI_URL' | 'TEMPORAL_NAMESPACE'>
}

const Login = v.object({ token: v.pipe(v.string('a string'), v.trim(), v.minLength(1, 'paste ADMIN_TOKEN or an admin access key'), v.maxLength(512, 'at most 512 characters')) })

const NO_STORE = { 'cache-control': 'no-store' }

export const consolePages = () => new Elysia({ name: 'console-pages' }).get('/console', page).get('/console/*', page)

export function consoleSession({ sql, log, config }: ConsoleDeps) {
  const adminToken = () => {
    if (!config.ADMIN_TOKEN) throw new ApiError(401, 'unauthorized', 'the console is disabled: set ADMIN_TOKEN on the server')
    return config.ADMIN_TOKEN
  }
  // A login from another site's page would sign the admin's browser into a session of the attacker's choosing.
  const fromConsole = (request: Request) => {
    if (!mayWriteWithCookie(request, config.PUBLIC_URL)) throw new ApiError(403, 'forbidden', 'log in from the console page itself (same origin)')
  }

  return new Elysia({ name: 'console-session' })
    .error(ADMIN_ERRORS)
    .onError(answerErrors(log))
    .post(
      '/console/api/session',
      async ({ body, request, server, set }) => {
        fromConsole(request)
        const root = adminToken()
        // Counted with the admin API's bearer failures: a wrong token here is 401, and 429 while they keep failing.
        const holder = await credentialHolder({ sql, log, config }, { request, server, set }, 'console', body.token)
        if (!holder) throw new ApiError(401, 'unauthorized', 'that is neither ADMIN_TOKEN nor a live access key')
        if (holder !== 'root' && !holder.scopes.includes('admin')) {
          throw new ApiError(403, 'forbidden', `the console needs a key with the admin scope; this one has ${holder.scopes.join(', ')}`)
        }
        const accessKeyId = holder === 'root' ? null : holder.id
        set.status = 201
        Object.assign(set.headers, NO_STORE, { 'set-cookie': setSessionCookie(await startSession(sql, root, accessKeyId), config.PUBLIC_URL) })
        return { kind: accessKeyId ? 'key' : 'root' }
      },
      { body: Login },
    )
    .get('/console/api/session', async ({ request, set }) => {
      const cookie = sessionCookie(request.headers.get('cookie'))
      const holder = cookie === undefined ? undefined : await sessionHolder(sql, adminToken(), cookie)
      if (!holder) throw new ApiError(401, 'unauthorized', 'not logged in')
      Object.assign(set.headers, NO_STORE)
      return {
        kind: holder.accessKeyId ? 'key' : 'root',
        organizationId: holder.organizationId,
        scimEndpoint: `${config.PUBLIC_URL}/api/connect/v1/scim/2.0`,
        temporalUi: config.TEMPORAL_UI_URL ? { url: config.TEMPORAL_UI_URL.replace(/\/+$/, ''), namespace: config.TEMPORAL_NAMESPACE } : null,
      }
    })
    .delete('/console/api/session', async ({ request, set }) => {
      fromConsole(request)
      const cookie = sessionCookie(request.headers.get('cookie'))
      if (cookie !== undefined && config.ADMIN_TOKEN) await endSession(sql, config.ADMIN_TOKEN, cookie)
      set.status = 204
      set.headers['set-cookie'] = clearSessionCookie(config.PUBLIC_URL)
    })
}
