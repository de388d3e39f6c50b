// Installs dependencies when node_modules is missing or older than the lockfile or a
// dependency patch (patches/, applied by the install),
// so `bun run dev` and `bun run test` work on a fresh clone. Imports nothing.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export function ensureInstalled(root = join(import.meta.dir, '..')) {
  const stamp = join(root, 'node_modules/.bun-installed')
  const lock = join(root, 'bun.lock')
  const patches = join(root, 'patches')
  const inputs = [lock, ...(existsSync(patches) ? readdirSync(patches).map((f) => join(patches, f)) : [])]
  const newest = Math.max(...inputs.map((f) => statSync(f).mtimeMs))
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest) return
  console.log('installing dependencies (bun install --frozen-lockfile)...')
  const r = Bun.spawnSync(['bun', 'install', '--frozen-lockfile'], { cwd: root, stdout: 'inherit', stderr: 'inherit' })
  if (r.exitCode !== 0) {
    console.error('bun install failed: check your network access to the npm registry')
    process.exit(1)
  }
  Bun.write(stamp, new Date().toISOString())
}

if (import.meta.main) ensureInstalled()
