// Browser tests: a live `serve` (a child process, exactly as deployed, so the console's
// HTML bundle is served by Bun.serve) and a worker on the suite's Postgres and Temporal,
// driven through Debian's Chromium by playwright-core. `bun run test` installs Chromium
// when it is missing (dev/chromium.ts).
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { Connection } from '@temporalio/client'
import { ROOT } from '../../dev/services'
import { chromiumPath } from '../../dev/chromium'
import { loadConfig } from '../../server/config'
import { migratedSql } from '../support'
import { startWorker } from '../../server/worker'
import { createLog } from '../../server/log'
import type { Sql } from '../../server/db/client'

export const ADMIN_TOKEN = 'browser-admin-token-0123456789abcdef'
const SECRETS_KEY = 'b'.repeat(64)

export type Stack = {
  /** http://127.0.0.1:<port>: the console is at `${base}/console`. */
  base: string
  sql: Sql
  browser: Browser
  /** The admin API with ADMIN_TOKEN (for setting up and for checking what the console did). */
  api: (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>
  /** A fresh logged-in page (its own cookies), at `path`. */
  loggedIn: (path?: string, options?: { width?: number; height?: number }) => Promise<{ page: Page; context: BrowserContext }>
  /** The serve process's log lines so far (stderr + stdout). */
  log: () => string
  stop: () => Promise<void>
}

async function freePort(): Promise<number> {
  const s = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response() })
  const port = s.port!
  s.stop(true)
  return port
}

/**
 * Starts serve + worker (a task queue of their own) and Chromium. `env` adds to the
 * server's environment (e.g. PUBLIC_URL, TEMPORAL_UI_URL).
 */
export async function startStack(name: string, env: Record<string, string> = {}): Promise<Stack> {
  const sql = await migratedSql() // migrated before serve starts: no race on the schema
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const serverEnv: Record<string, string> = {
    DATABASE_URL: process.env.DATABASE_URL!,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS!,
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: `console-${name}-${crypto.randomUUID()}`,
    TEMPORAL_UI_URL: 'http://127.0.0.1:8233',
    OUTBOUND_ALLOW_PRIVATE: 'true',
    ADMIN_TOKEN,
    SECRETS_KEY,
    PORT: String(port),
    HOST: '127.0.0.1',
    PUBLIC_URL: base,
    LOG_LEVEL: 'info',
    NODE_ENV: 'production',
    ...env,
  }
  let output = ''
  const serve = Bun.spawn(['bun', 'server/main.ts', 'serve'], { cwd: ROOT, env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/root', ...serverEnv }, stdout: 'pipe', stderr: 'pipe' })
  for (const stream of [serve.stdout, serve.stderr]) {
    ;(async () => {
      for await (const chunk of stream) output += new TextDecoder().decode(chunk)
    })()
  }
  const deadline = Date.now() + 30_000
  while (!output.includes('"msg":"listening"')) {
    if (serve.exitCode !== null || Date.now() > deadline) throw new Error(`serve did not start:\n${output}`)
    await Bun.sleep(50)
  }
  const config = loadConfig(serverEnv)
  const worker = await startWorker({ config, sql, log: createLog('error') })
  const browser = await chromium.launch({ executablePath: chromiumPath() })

  const api: Stack['api'] = async (method, path, body) => {
    const res = await fetch(`${base}/api/admin/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await res.text()
    return { status: res.status, body: text ? JSON.parse(text) : null }
  }

  return {
    base,
    sql,
    browser,
    api,
    async loggedIn(path = '/console', { width = 1280, height = 860 } = {}) {
      const context = await browser.newContext({ viewport: { width, height }, permissions: ['clipboard-read', 'clipboard-write'] })
      const page = await context.newPage()
      await page.goto(`${base}/console/login`)
      await page.getByLabel('Admin token or access key').fill(ADMIN_TOKEN)
      await page.getByRole('button', { name: 'Log in' }).click()
      await page.getByRole('link', { name: 'scim-bridge' }).waitFor()
      if (path !== '/console') await page.goto(`${base}${path}`)
      return { page, context }
    },
    log: () => output,
    async stop() {
      await browser.close()
      await worker.stop()
      serve.kill('SIGTERM')
      await serve.exited
    },
  }
}

/** Temporal's own view, for checks the API does not show. */
export async function temporalConnection() {
  return Connection.connect({ address: process.env.TEMPORAL_ADDRESS! })
}

/**
 * A screenshot of `page` as <name>.png: into docs/console/ (the README shows them) when
 * CONSOLE_SCREENSHOTS=1, else into .cache/ so that a test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string): Promise<void> {
  const dir = process.env.CONSOLE_SCREENSHOTS === '1' ? 'docs/console' : '.cache/console-screenshots'
  await page.screenshot({ path: `${ROOT}/${dir}/${name}.png`, fullPage: true })
}
