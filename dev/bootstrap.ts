// Installs dependencies when node_modules is missing or older than the lockfile,
// so `bun run dev` and `bun run test` work on a fresh clone. Imports nothing.
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'

export function ensureInstalled(root = join(import.meta.dir, '..')) {
  const stamp = join(root, 'node_modules/.bun-installed')
  const lock = join(root, 'bun.lock')
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return
  console.log('installing dependencies (bun install --frozen-lockfile)...')
  const r = Bun.spawnSync(['bun', 'install', '--frozen-lockfile'], { cwd: root, stdout: 'inherit', stderr: 'inherit' })
  if (r.exitCode !== 0) {
    console.error('bun install failed: check your network access to the npm registry')
    process.exit(1)
  }
  Bun.write(stamp, new Date().toISOString())
}

if (import.meta.main) ensureInstalled()
