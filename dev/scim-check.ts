// An outside opinion: python-scim's scim2-tester against a live `serve`, as part of
// `bun run test`. Installs the checker into .cache/scim2-venv (pinned) on first use.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, ROOT } from './services'

const VENV = join(ROOT, '.cache/scim2-venv')
const PACKAGES = ['scim2-tester==0.5.2', 'scim2-client==0.13.2', 'scim2-models==0.12.3', 'httpx2==2.16.2']

function ensureChecker(): string {
  const python = join(VENV, 'bin/python')
  if (existsSync(join(VENV, '.installed'))) return python
  console.log('installing scim2-tester into .cache/scim2-venv ...')
  const steps = [
    ['python3', '-m', 'venv', VENV],
    [python, '-m', 'pip', 'install', '--quiet', ...PACKAGES],
  ]
  for (const argv of steps) {
    if (Bun.spawnSync(argv, { stdout: 'inherit', stderr: 'inherit' }).exitCode !== 0) {
      throw new Error(`scim2-tester: \`${argv.join(' ')}\` failed: Python 3 with venv and pip, and access to PyPI, are needed`)
    }
  }
  Bun.write(join(VENV, '.installed'), PACKAGES.join('\n'))
  return python
}

/** Starts `serve`, makes an organization and token, runs the checker. Returns its exit code. */
export async function runScimTester(env: Record<string, string>): Promise<number> {
  const python = ensureChecker()
  const port = await freePort()
  const adminToken = `scim-check-${crypto.randomUUID()}`
  const server = Bun.spawn(['bun', join(ROOT, 'server/main.ts'), 'serve'], {
    env: { ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: `http://127.0.0.1:${port}`, ADMIN_TOKEN: adminToken, LOG_LEVEL: 'warn' },
    stdout: 'inherit',
    stderr: 'inherit',
  })
  try {
    const base = `http://127.0.0.1:${port}`
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break
      await Bun.sleep(100)
    }
    const admin = (path: string, body?: unknown) =>
      fetch(`${base}/api/admin/v1${path}`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined }).then((r) => r.json() as Promise<Record<string, string>>)
    const org = await admin('/organizations', { name: 'scim2-tester' })
    const conf = await admin(`/organizations/${org.id}/scim-configuration`)
    const run = Bun.spawnSync([python, join(ROOT, 'dev/scim_tester.py'), conf.endpointUrl!, conf.token!], { stdout: 'inherit', stderr: 'inherit' })
    return run.exitCode ?? 1
  } finally {
    server.kill('SIGTERM')
    await server.exited
  }
}
