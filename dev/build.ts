// `bun run build`: dist/scim-bridge, one executable that runs `serve`, `worker` and `migrate`
// with no node_modules and no Bun on the machine.
//
// Bun embeds what the bundle reaches through static imports. A few places in the Temporal SDK
// and source-map find their files by computed paths at run time, so this build rewrites them
// while bundling (node_modules stays untouched). Each rewrite is pinned to the package version
// it was written against and must match its text exactly once: when the SDK changes, the build
// stops and says which rewrite to look at, instead of producing a binary that fails at run time.
// The workflow bundle is built here by webpack (server/workflow-bundle.ts) and embedded as
// code, so webpack and swc stay out of the binary.
import { readFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import type { BunPlugin } from 'bun'
import { workflowBundlePath } from '../server/workflow-bundle'

const ROOT = join(import.meta.dir, '..')
const OUTFILE = join(ROOT, 'dist/scim-bridge')
const SDK_VERSION = '1.24.0'
const WORKER_LIB = dirname(Bun.resolveSync('@temporalio/worker', ROOT))
/** The SDK's workflow thread: a second entrypoint, so it is embedded and can be started by path. */
const THREAD = join(WORKER_LIB, 'workflow/workflow-worker-thread.js')
const CORE_BRIDGE = dirname(Bun.resolveSync('@temporalio/core-bridge/package.json', ROOT))
// The addon for this machine (`bun run build` runs on the platform it builds for), named the SDK's way.
const { getPrebuiltTargetName } = require(join(CORE_BRIDGE, 'common.js')) as { getPrebuiltTargetName(): string }
const ADDON_TARGET = getPrebuiltTargetName()

type Patch = { pkg: string; version: string; file: string; from: string; to: string }

/** Resolved like the SDK resolves it (its own source-map, not whatever is hoisted). */
function pkgDir(pkg: string): string {
  return dirname(Bun.resolveSync(`${pkg}/package.json`, WORKER_LIB))
}

const PATCHES: Patch[] = [
  {
    // A static require of the addon, so Bun embeds it (and unpacks it to the temp folder at run
    // time), instead of a path computed and checked on disk.
    pkg: '@temporalio/core-bridge',
    version: SDK_VERSION,
    file: 'index.js',
    from: 'const nativeLibPath = getPrebuiltPath();\n  const native = Object.fromEntries(Object.entries(require(nativeLibPath))',
    to: `const native = Object.fromEntries(Object.entries(require('./releases/${ADDON_TARGET}/index.node'))`,
  },
  {
    // The bundler module loads webpack and swc at import time; the binary gets its workflows prebuilt.
    pkg: '@temporalio/worker',
    version: SDK_VERSION,
    file: 'lib/index.js',
    from: 'var bundler_1 = require("./workflow/bundler");',
    to: 'var bundler_1 = { bundleWorkflowCode() { throw new Error("scim-bridge: the compiled binary has no webpack; workflows are prebuilt by dev/build.ts") } };',
  },
  {
    pkg: '@temporalio/worker',
    version: SDK_VERSION,
    file: 'lib/worker.js',
    from: 'const bundler_1 = require("./workflow/bundler");',
    to: 'const bundler_1 = { defaultWorkflowInterceptorModules: [], WorkflowCodeBundler: function () { throw new Error("scim-bridge: the compiled binary has no webpack; pass workflowBundle") } };',
  },
  {
    // The thread is the second entrypoint of the binary: Bun starts it by its path relative to the
    // build root, from the executable (the file on disk is not there at run time).
    pkg: '@temporalio/worker',
    version: SDK_VERSION,
    file: 'lib/workflow/threaded-vm.js',
    from: "new node_worker_threads_1.Worker(require.resolve('./workflow-worker-thread'))",
    to: `new node_worker_threads_1.Worker(${JSON.stringify(`./${relative(ROOT, THREAD)}`)})`,
  },
  {
    // source-map reads its wasm next to itself; a static require embeds it and gives its path.
    pkg: 'source-map',
    version: '0.7.6',
    file: 'lib/read-wasm.js',
    from: 'const wasmPath = path.join(__dirname, "mappings.wasm");',
    to: 'const wasmPath = require("./mappings.wasm");',
  },
]

function fail(message: string): never {
  console.error(`build: ${message}`)
  process.exit(1)
}

/** Patches keyed by absolute path; checked against the installed versions before anything is built. */
function preparePatches(): Map<string, Patch[]> {
  const byFile = new Map<string, Patch[]>()
  for (const patch of PATCHES) {
    const dir = pkgDir(patch.pkg)
    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version: string }
    if (version !== patch.version) {
      fail(`${patch.pkg} is ${version}, but dev/build.ts rewrites ${patch.file} for ${patch.version}. Check each rewrite in PATCHES against the new version, then update the pinned version.`)
    }
    const path = join(dir, patch.file)
    byFile.set(path, [...(byFile.get(path) ?? []), patch])
  }
  return byFile
}

function patchPlugin(byFile: Map<string, Patch[]>, applied: Set<Patch>): BunPlugin {
  return {
    name: 'sdk-patches',
    setup(build) {
      build.onLoad({ filter: /\.js$/ }, async ({ path }) => {
        const patches = byFile.get(path)
        if (!patches) return undefined
        let text = await Bun.file(path).text()
        for (const p of patches) {
          const count = text.split(p.from).length - 1
          if (count !== 1) fail(`${p.pkg}/${p.file}: expected the text ${JSON.stringify(p.from)} once, found it ${count} times. The package changed: update the rewrite in dev/build.ts.`)
          text = text.replace(p.from, () => p.to)
          applied.add(p)
        }
        return { contents: text, loader: 'js' }
      })
    },
  }
}

async function main() {
  const byFile = preparePatches()
  const applied = new Set<Patch>()
  const workflowBundle = readFileSync(await workflowBundlePath(), 'utf8')
  const migrations = [...new Bun.Glob('server/db/migrations/*.sql').scanSync({ cwd: ROOT })].map((f) => join(ROOT, f))
  const result = await Bun.build({
    entrypoints: [join(ROOT, 'server/main.ts'), THREAD, ...migrations],
    root: ROOT,
    target: 'bun',
    compile: { outfile: OUTFILE },
    minify: true,
    sourcemap: 'linked',
    metafile: true,
    // Migrations are found by name in Bun.embeddedFiles (server/db/migrate.ts).
    naming: { asset: '[name].[ext]' },
    loader: { '.wasm': 'file' },
    define: { EMBEDDED_WORKFLOW_BUNDLE: JSON.stringify(workflowBundle) },
    plugins: [patchPlugin(byFile, applied)],
    throw: false,
  })
  if (!result.success) fail(result.logs.map(String).join('\n'))
  const missed = PATCHES.filter((p) => !applied.has(p))
  if (missed.length) fail(`these files were not part of the build, so their rewrites did not apply: ${missed.map((p) => `${p.pkg}/${p.file}`).join(', ')}. The SDK changed: update dev/build.ts.`)
  const heavy = Object.keys(result.metafile!.inputs).filter((f) => /node_modules\/(webpack|@swc|swc-loader)\//.test(f))
  if (heavy.length) fail(`webpack or swc reached the binary (${heavy[0]}): something imports the SDK's bundler.`)
  console.log(`built ${relative(process.cwd(), OUTFILE)} (${ADDON_TARGET}, Temporal SDK ${SDK_VERSION})`)
}

await main()
