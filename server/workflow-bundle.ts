// The worker's workflow bundle, built by webpack in a CHILD process: bundling in the
// worker itself costs it ~150 MB of peak RSS (and webpack's heap stays behind). The
// bundle is cached by the content of workflows/ and the SDK's version, in
// .cache/workflow-bundle/<hash>.js (else the OS temp dir when the checkout is read-only),
// so only the first worker after a change pays the few seconds of the build.
// `bun server/workflow-bundle.ts [out.js]` builds it ahead of time; dev/build.ts embeds it in
// the compiled binary, which has neither webpack nor workflows/ to build from.
import { accessSync, constants, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = join(import.meta.dir, '..')
// The workflow code and the bridge contracts it imports (bridge/messages.ts, bridge/backoff.ts).
const SOURCES = [join(ROOT, 'workflows'), join(ROOT, 'bridge')]
/** What a bundle depends on besides workflows/: the SDK parts that shape it, and this file (its options). */
const INPUTS = ['@temporalio/workflow', '@temporalio/worker', '@temporalio/common']
const STALE_AFTER_MS = 3600_000

/** The bundle dev/build.ts built, in the compiled binary only (a `define`). */
declare const EMBEDDED_WORKFLOW_BUNDLE: string

/** Workflows change rarely; keep one build per process and content. */
const builds = new Map<string, Promise<void>>()

/**
 * The bundle for `Worker.create({ workflowBundle })`. From a checkout, a path, not the code: the
 * SDK reads it, hands it to its workflow thread and keeps no copy (options holding the code would
 * keep its ~2 MB alive on the worker's heap, which the engine sizes at a multiple of what is live).
 * The compiled binary has no file to point at: it passes the code it carries.
 */
export async function prepareWorkflowBundle(): Promise<{ codePath: string } | { code: string }> {
  if (Bun.isStandaloneExecutable) return { code: EMBEDDED_WORKFLOW_BUNDLE }
  return { codePath: await workflowBundlePath() }
}

/** Builds the bundle of the current sources unless it is cached; its path. */
export async function workflowBundlePath(): Promise<string> {
  const path = join(cacheDir(), `${sourceHash()}.js`)
  if (!existsSync(path)) {
    if (!builds.has(path)) builds.set(path, build(path).finally(() => builds.delete(path)))
    await builds.get(path)
  }
  const now = new Date()
  utimesSync(path, now, now) // in use: a build of other sources prunes only bundles unused for an hour
  return path
}

async function build(path: string): Promise<void> {
  const child = Bun.spawn([process.execPath, import.meta.path, path], { cwd: ROOT, stdin: 'ignore', stdout: 'ignore', stderr: 'pipe' })
  const [exitCode, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()])
  if (exitCode !== 0) throw new Error(`workflow bundle: webpack failed on workflows/index.ts: ${stderr.trim().split('\n').pop() || `exit code ${exitCode}`}`)
  prune(path)
}

function sourceHash(): string {
  const hash = new Bun.CryptoHasher('sha256')
  const files = SOURCES.flatMap((dir) => readdirSync(dir, { recursive: true }).map(String).sort().map((f) => join(dir, f)))
  const inputs = INPUTS.map((p) => Bun.resolveSync(`${p}/package.json`, ROOT))
  for (const file of [...files.filter((f) => statSync(f).isFile()), ...inputs, import.meta.path]) {
    hash.update(`${file.slice(ROOT.length)}\0`)
    hash.update(readFileSync(file))
  }
  return hash.digest('hex').slice(0, 24)
}

function cacheDir(): string {
  const candidates = [join(ROOT, '.cache/workflow-bundle'), join(tmpdir(), `scim-bridge-workflow-bundle-${process.getuid?.() ?? 0}`)]
  for (const dir of candidates) {
    try {
      mkdirSync(dir, { recursive: true })
      accessSync(dir, constants.W_OK)
      return dir
    } catch {}
  }
  throw new Error(`workflow bundle: no writable cache directory (tried ${candidates.join(', ')})`)
}

/** Bundles unused for an hour and the leftovers of killed builds go; a build started within the hour may still be running. */
function prune(keep: string): void {
  const dir = join(keep, '..')
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    try {
      if (file !== keep && Date.now() - statSync(file).mtimeMs > STALE_AFTER_MS) rmSync(file, { force: true })
    } catch {}
  }
}

if (import.meta.main) {
  // webpack's report comes through the logger: its "ERROR in <file>" block says what is wrong.
  const report: string[] = []
  try {
    const out = process.argv[2] ?? join(cacheDir(), `${sourceHash()}.js`)
    const { bundleWorkflowCode, DefaultLogger } = await import('@temporalio/worker')
    const logger = new DefaultLogger('ERROR', (entry) => void report.push(entry.message))
    const { code } = await bundleWorkflowCode({ workflowsPath: join(ROOT, 'workflows', 'index.ts'), logger })
    // Concurrent builds of the same sources write the same bytes: rename makes each one whole.
    const tmp = `${out}.${process.pid}.tmp`
    writeFileSync(tmp, code)
    renameSync(tmp, out)
    if (!process.argv[2]) console.log(out)
  } catch (e) {
    const detail = /ERROR in [\s\S]*?(?=\n\s*\n|$)/.exec(report.join('\n'))?.[0] ?? String((e as Error)?.message ?? e)
    console.error(detail.replace(/\s+/g, ' ').slice(0, 600))
    process.exit(1)
  }
}
