// The console's session: login, the cookie's attributes, writes from another origin
// refused, logout ending the session for good.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { ADMIN_TOKEN, startStack, type Stack } from './support'

let s: Stack
beforeAll(async () => {
  s = await startStack('session')
}, 60_000)
afterAll(() => s?.stop())

test('login gives an HttpOnly, SameSite=Strict session cookie, and no token is kept by the page', async () => {
  const { page, context } = await s.loggedIn()
  const [cookie] = await context.cookies()
  expect(cookie).toMatchObject({ name: 'scim_bridge_session', httpOnly: true, sameSite: 'Strict', secure: false, path: '/' })
  expect(cookie!.value).not.toContain(ADMIN_TOKEN)
  expect(cookie!.expires * 1000 - Date.now()).toBeGreaterThan(11 * 3600_000)
  const stored = await page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })')
  expect(stored).not.toContain(ADMIN_TOKEN)
  expect(stored).not.toContain(cookie!.value)
  await context.close()
})

test('a wrong token is refused with the reason, in the form', async () => {
  const context = await s.browser.newContext()
  const page = await context.newPage()
  await page.goto(`${s.base}/console`)
  await page.waitForURL(/\/console\/login/)
  await page.getByLabel('Admin token or access key').fill('not-the-token-at-all')
  await page.getByRole('button', { name: 'Log in' }).click()
  await expect(page.getByRole('alert').textContent()).resolves.toContain('neither ADMIN_TOKEN nor a live access key')
  expect(await context.cookies()).toEqual([])
  await context.close()
})

test('a state-changing request with the session cookie from another origin is refused; reads are not changed', async () => {
  const { page, context } = await s.loggedIn()
  // Another port on the same host: the same *site*, so SameSite=Strict still sends the cookie.
  const evil = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: () =>
      new Response(
        `<!doctype html><script>
          window.results = Promise.all([
            fetch('${s.base}/api/admin/v1/organizations', { method: 'POST', credentials: 'include', mode: 'no-cors', headers: { 'content-type': 'text/plain' }, body: '{"name":"made-by-evil"}' }).then(() => 'sent', (e) => String(e)),
          ])
        </script>`,
        { headers: { 'content-type': 'text/html' } },
      ),
  })
  try {
    const before = await s.api('GET', '/organizations?limit=500')
    const evilPage = await context.newPage()
    const answers: number[] = []
    evilPage.on('response', (r) => r.url().includes('/api/admin/v1/organizations') && answers.push(r.status()))
    await evilPage.goto(`http://127.0.0.1:${evil.port}/`)
    await evilPage.evaluate('window.results')
    await Bun.sleep(200)
    expect(answers).toEqual([403])
    const after = await s.api('GET', '/organizations?limit=500')
    expect(after.body.items.length).toBe(before.body.items.length)
    expect(JSON.stringify(after.body)).not.toContain('made-by-evil')
    // The same request from the console's own page goes through.
    const ok = await page.evaluate<number>(`fetch('/api/admin/v1/organizations', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"name":"made-by-console"}' }).then((r) => r.status)`)
    expect(ok).toBe(201)
  } finally {
    evil.stop(true)
    await context.close()
  }
})

test('the cookie without Origin or Sec-Fetch-Site cannot write; with a bearer token the cookie is not consulted', async () => {
  const { context } = await s.loggedIn()
  const [cookie] = await context.cookies()
  const header = `${cookie!.name}=${cookie!.value}`
  const write = await fetch(`${s.base}/api/admin/v1/organizations`, { method: 'POST', headers: { cookie: header, 'content-type': 'application/json' }, body: '{"name":"x"}' })
  expect(write.status).toBe(403)
  expect(((await write.json()) as any).error.message).toContain('must come from the console itself')
  const cross = await fetch(`${s.base}/api/admin/v1/organizations`, { method: 'POST', headers: { cookie: header, origin: 'https://evil.example', 'content-type': 'application/json' }, body: '{"name":"x"}' })
  expect(cross.status).toBe(403)
  const read = await fetch(`${s.base}/api/admin/v1/organizations`, { headers: { cookie: header } })
  expect(read.status).toBe(200)
  const sameOrigin = await fetch(`${s.base}/api/admin/v1/organizations`, { method: 'POST', headers: { cookie: header, origin: s.base, 'content-type': 'application/json' }, body: '{"name":"via-origin"}' })
  expect(sameOrigin.status).toBe(201)
  const badBearer = await fetch(`${s.base}/api/admin/v1/organizations`, { headers: { cookie: header, authorization: 'Bearer wrong' } })
  expect(badBearer.status).toBe(401)
  await context.close()
})

test('logout ends the session: the page returns to the login, and a copy of the cookie opens nothing', async () => {
  const { page, context } = await s.loggedIn()
  const [cookie] = await context.cookies()
  const header = `${cookie!.name}=${cookie!.value}`
  await page.getByRole('button', { name: 'Log out' }).click()
  await page.waitForURL(/\/console\/login/)
  expect(await context.cookies()).toEqual([])
  const replay = await fetch(`${s.base}/api/admin/v1/organizations`, { headers: { cookie: header } })
  expect(replay.status).toBe(401)
  expect(((await replay.json()) as any).error.message).toContain('log in again')
  await page.goto(`${s.base}/console`)
  await page.waitForURL(/\/console\/login\?next=/)
  await context.close()
})

test('a new ADMIN_TOKEN ends every session: the same cookie against a server with the new token lands on the login', async () => {
  const { context } = await s.loggedIn()
  const [cookie] = await context.cookies()
  // The same database, restarted with another ADMIN_TOKEN (as a deploy that rotates it would).
  const rotated = await startStack('rotated', { ADMIN_TOKEN: 'a-rotated-admin-token-0123456789' })
  try {
    const other = await rotated.browser.newContext()
    await other.addCookies([{ ...cookie!, domain: '127.0.0.1', path: '/' }])
    const page = await other.newPage()
    await page.goto(`${rotated.base}/console`)
    await page.waitForURL(/\/console\/login\?next=/)
    const res = await fetch(`${rotated.base}/api/admin/v1/organizations`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` } })
    expect(res.status).toBe(401)
    expect(((await res.json()) as any).error.message).toContain('ADMIN_TOKEN changed')
    await other.close()
  } finally {
    await rotated.stop()
    await context.close()
  }
})
