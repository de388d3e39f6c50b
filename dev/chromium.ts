// Chromium for the browser tests: Debian's package (playwright-core downloads nothing).
// `bun run test` installs it when it is missing, as it builds the Temporal dev server.
import { existsSync } from 'node:fs'

// The real binary: /usr/bin/chromium is a shell wrapper that playwright cannot drive.
const BINARY = '/usr/lib/chromium/chromium'

export function chromiumPath(): string {
  const path = process.env.CHROMIUM_PATH ?? BINARY
  if (!existsSync(path)) throw new Error(`Chromium is not at ${path}: run \`apt-get install -y chromium\` (bun run test does) or set CHROMIUM_PATH`)
  return path
}

/** Installs Debian's chromium when it is missing; returns how long that took (0 when present). */
export function ensureChromium(): number {
  if (process.env.CHROMIUM_PATH || existsSync(BINARY)) return 0
  const started = Date.now()
  console.log('installing chromium from apt (browser tests)...')
  const run = (argv: string[]) => Bun.spawnSync(argv, { stdout: 'inherit', stderr: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } }).exitCode
  const sudo = process.getuid?.() === 0 ? [] : ['sudo', '-n']
  if (run([...sudo, 'apt-get', 'install', '-y', 'chromium']) !== 0) {
    // A fresh machine may have no package lists yet.
    if (run([...sudo, 'apt-get', 'update']) !== 0 || run([...sudo, 'apt-get', 'install', '-y', 'chromium']) !== 0) {
      throw new Error('could not install chromium with apt-get: install it yourself (apt-get install -y chromium) or set CHROMIUM_PATH')
    }
  }
  const took = Date.now() - started
  console.log(`chromium installed in ${(took / 1000).toFixed(1)} s`)
  return took
}
