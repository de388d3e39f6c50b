// Docker-free local services for `bun run dev` and `bun run test`.
// Postgres: DATABASE_URL, else a private cluster from the installed PostgreSQL
// binaries under .data/, else an embedded PGlite behind a socket.
// Temporal: TEMPORAL_ADDRESS, else the `temporal` CLI, else our dev/temporal build.
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { dirname, join } from 'node:path'
import { SEARCH_ATTRIBUTE_NAMES } from '../bridge/search-attributes'
import { WEBHOOK_SEARCH_ATTRIBUTE_NAMES } from '../webhook/search-attributes'

export const ROOT = join(import.meta.dir, '..')
/** Local state (clusters, dev secrets); SCIM_BRIDGE_DATA moves it (tests run a dev of their own). */
export const DATA = process.env.SCIM_BRIDGE_DATA || join(ROOT, '.data')

export type Running<T> = T & { stop(): Promise<void> }

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port
      s.close(() => resolve(port))
    })
  })
}

export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = join(dir, cmd)
    if (dir && existsSync(p)) return p
  }
  return null
}

// ---------------------------------------------------------------- Postgres

export function postgresBinDir(): string | null {
  if (process.env.PG_BIN && existsSync(join(process.env.PG_BIN, 'postgres'))) return process.env.PG_BIN
  const base = '/usr/lib/postgresql'
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(join(base, v, 'bin', 'postgres')))
    versions.sort((a, b) => Number(b) - Number(a))
    if (versions[0]) return join(base, versions[0], 'bin')
  }
  const onPath = which('postgres')
  return onPath ? dirname(realpathSync(onPath)) : null
}

/** initdb and postgres refuse to run as root: drop to the `postgres` user then. */
export function asPostgresUser(argv: string[]): string[] {
  return process.getuid?.() === 0 ? ['setpriv', '--reuid=postgres', '--regid=postgres', '--init-groups', '--', ...argv] : argv
}

function runningPostmasterPort(dataDir: string): number | null {
  if (postmasterPid(dataDir) === null) return null
  return Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[3]) || null
}

export async function waitForPostgres(bin: string, port: number, proc: { exitCode: number | null } | null, logFile: string) {
  for (let i = 0; i < 300; i++) {
    const r = Bun.spawnSync([join(bin, 'pg_isready'), '-q', '-h', '127.0.0.1', '-p', String(port)])
    if (r.exitCode === 0) return
    if (proc && proc.exitCode !== null) break
    await sleep(100)
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ') : ''
  throw new Error(`postgres: the local cluster did not start on 127.0.0.1:${port}. ${tail}`)
}

/** fresh: drop and recreate the database (tests start from an empty schema). */
export async function startPostgres(opts: {
  dataDir?: string
  database: string
  fast?: boolean
  fresh?: boolean
  /** Drop the database when stopping (a throwaway, e.g. one test run's). */
  dropOnStop?: boolean
}): Promise<Running<{ url: string; kind: string }>> {
  if (process.env.DATABASE_URL) return onGivenServer(process.env.DATABASE_URL, opts)
  const bin = postgresBinDir()
  const dir = opts.dataDir ?? join(DATA, 'postgres')
  if (!bin) return startPglite(opts.database)

  mkdirSync(DATA, { recursive: true })
  chmodSync(DATA, 0o755)
  const asRoot = process.getuid?.() === 0
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(dir, { recursive: true })
    if (asRoot) Bun.spawnSync(['chown', 'postgres:', dir])
    const init = Bun.spawnSync(asPostgresUser([join(bin, 'initdb'), '-D', dir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']), { stderr: 'pipe', stdout: 'pipe' })
    if (init.exitCode !== 0) throw new Error(`postgres: initdb failed in ${dir}: ${init.stderr.toString().trim().split('\n').pop()}`)
  }

  // Registered before looking: a user that is stopping the cluster now sees us and leaves it up.
  const users = clusterUsers(dir)
  let port = runningPostmasterPort(dir)
  if (port === null) {
    port = await freePort()
    const logFile = join(dir, 'server.log')
    const args = [join(bin, 'postgres'), '-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=200']
    // Tests and benchmarks trade durability for speed; dev keeps the defaults.
    if (opts.fast) args.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off')
    const proc = Bun.spawn(asPostgresUser(args), { stdout: 'ignore', stderr: Bun.file(logFile) })
    await waitForPostgres(bin, port, proc, logFile)
    users.markStarted(proc.pid)
  }
  let stop = async () => {
    if (users.leave()) await stopPostmaster(dir)
  }
  const admin = `postgres://postgres@127.0.0.1:${port}/postgres`
  await createDatabase(admin, opts.database, opts.fresh ?? false)
  if (opts.dropOnStop) {
    const stopCluster = stop
    stop = async () => {
      await withAdmin(admin, (sql) => sql`drop database if exists ${sql(opts.database)} with (force)`)
      await stopCluster()
    }
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/${opts.database}`, kind: `local cluster (${dir})`, stop }
}

/**
 * DATABASE_URL set: `dev` uses that database. A throwaway (`fresh`: the tests, a
 * benchmark that seeds 200,000 users) is never that database: it gets its own, named
 * `database`, on the same server.
 */
async function onGivenServer(url: string, opts: { database: string; fresh?: boolean; dropOnStop?: boolean }): Promise<Running<{ url: string; kind: string }>> {
  if (!opts.fresh) return { url, kind: 'DATABASE_URL', stop: async () => {} }
  const own = new URL(url)
  own.pathname = `/${opts.database}`
  try {
    await createDatabase(url, opts.database, true)
  } catch (e) {
    throw new Error(`postgres: cannot create the throwaway database ${opts.database} on DATABASE_URL's server (${(e as Error).message}); grant its role CREATEDB, or unset DATABASE_URL to use a local cluster`)
  }
  const stop = async () => {
    if (opts.dropOnStop) await withAdmin(url, (sql) => sql`drop database if exists ${sql(opts.database)} with (force)`)
  }
  return { url: own.toString(), kind: `DATABASE_URL's server, database ${opts.database}`, stop }
}

/**
 * Who uses a local cluster: one file per user in `<dataDir>.users/`, named `<pid>-<random>`.
 * Several processes share one cluster (two `bun run test` runs, a benchmark, `bun run dev`):
 * a user that leaves stops it only when no other live user is left, and only a cluster our
 * tooling started (its postmaster is the one `started` names); one started by hand is
 * never stopped.
 */
function clusterUsers(dir: string) {
  const folder = `${dir}.users`
  mkdirSync(folder, { recursive: true })
  const me = join(folder, `${process.pid}-${crypto.randomUUID().slice(0, 8)}`)
  writeFileSync(me, '')
  const started = join(folder, 'started')
  return {
    markStarted(postmasterPid: number) {
      writeFileSync(started, String(postmasterPid))
    },
    /** Leaves; true when the caller should stop the cluster. */
    leave(): boolean {
      rmSync(me, { force: true })
      for (const name of readdirSync(folder)) {
        if (name === 'started') continue
        if (isAlive(Number(name.split('-')[0]))) return false
        rmSync(join(folder, name), { force: true }) // a user that died without leaving
      }
      const postmaster = postmasterPid(dir)
      return postmaster !== null && existsSync(started) && Number(readFileSync(started, 'utf8')) === postmaster
    },
  }
}

function postmasterPid(dataDir: string): number | null {
  const pidFile = join(dataDir, 'postmaster.pid')
  if (!existsSync(pidFile)) return null
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0])
  return pid > 0 && isAlive(pid) ? pid : null
}

/** A "fast" shutdown (SIGINT), waited for. */
async function stopPostmaster(dataDir: string): Promise<void> {
  const pid = postmasterPid(dataDir)
  if (pid === null) return
  process.kill(pid, 'SIGINT')
  for (let i = 0; i < 300 && isAlive(pid); i++) await sleep(100)
}

async function withAdmin<T>(adminUrl: string, fn: (sql: import('postgres').Sql) => Promise<T>): Promise<T> {
  const { default: postgres } = await import('postgres')
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} })
  try {
    return await fn(sql)
  } finally {
    await sql.end()
  }
}

async function createDatabase(adminUrl: string, name: string, fresh: boolean) {
  await withAdmin(adminUrl, async (sql) => {
    if (fresh) await sql`drop database if exists ${sql(name)} with (force)`
    const [exists] = await sql`select 1 from pg_database where datname = ${name}`
    if (!exists) await sql`create database ${sql(name)}`
  })
}

/**
 * Databases named `<prefix><pid>` whose process is gone (a run that crashed or was
 * killed before it could drop its own): dropped, so throwaway databases do not pile up.
 */
export async function dropOrphanDatabases(url: string, prefix: string): Promise<void> {
  const admin = new URL(url)
  admin.pathname = '/postgres'
  await withAdmin(admin.toString(), async (sql) => {
    const rows = await sql<{ datname: string }[]>`select datname from pg_database where starts_with(datname, ${prefix})`
    for (const { datname } of rows) {
      const pid = Number(datname.slice(prefix.length))
      if (Number.isInteger(pid) && pid > 0 && !isAlive(pid)) await sql`drop database if exists ${sql(datname)} with (force)`
    }
  })
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as { code?: string }).code === 'EPERM'
  }
}

/** Last resort when no PostgreSQL is installed: PGlite (WASM Postgres) on a socket. */
export async function startPglite(database: string, dir = join(DATA, 'pglite')): Promise<Running<{ url: string; kind: string }>> {
  const { PGlite } = await import('@electric-sql/pglite')
  const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket')
  mkdirSync(dir, { recursive: true })
  const db = await PGlite.create(dir)
  const port = await freePort()
  const server = new PGLiteSocketServer({ db, port, host: '127.0.0.1' })
  await server.start()
  return {
    // PGlite has one database; the name is ignored.
    url: `postgres://postgres@127.0.0.1:${port}/${database}?sslmode=disable`,
    kind: 'embedded PGlite (no PostgreSQL binaries found)',
    stop: async () => {
      await server.stop()
      await db.close()
    },
  }
}

// ---------------------------------------------------------------- Temporal

/**
 * Builds the Go program in `dir` (under the repo) into .cache/bin/<name> and returns its
 * path: minutes the first time, then reused while its go.mod, go.sum and *.go are unchanged.
 * `otherwise` tells what to do instead of installing Go, if anything.
 */
export function buildGoProgram(dir: string, name: string, otherwise = ''): string {
  const r = Bun.spawnSync(['bash', join(ROOT, 'dev/temporal/build.sh'), join(ROOT, dir), name], { stdout: 'inherit', stderr: 'inherit' })
  if (r.exitCode !== 0) throw new Error(`${name}: building ${dir} failed (see the go output above). Install Go 1.26+${otherwise}.`)
  return join(ROOT, '.cache/bin', name)
}

export function buildTemporalDev(): string {
  return buildGoProgram('dev/temporal', 'temporal-dev', ' or the `temporal` CLI, or set TEMPORAL_ADDRESS')
}

/**
 * dbFile null = in-memory (tests); undefined = .data/temporal.db (dev). dynamicConfig sets
 * server dynamic config (`--dynamic-config-value KEY=<JSON>` each); a server that needs it
 * is always started here, even when TEMPORAL_ADDRESS names one.
 */
export async function startTemporal(opts: { dbFile?: string | null; grpcPort?: number; uiPort?: number; dynamicConfig?: Record<string, unknown> }): Promise<
  Running<{ address: string; uiUrl: string | null; kind: string }>
> {
  if (process.env.TEMPORAL_ADDRESS && !opts.dynamicConfig) {
    return { address: process.env.TEMPORAL_ADDRESS, uiUrl: process.env.TEMPORAL_UI_URL ?? null, kind: 'TEMPORAL_ADDRESS', stop: async () => {} }
  }
  const grpcPort = opts.grpcPort ?? (await freePort())
  const uiPort = opts.uiPort ?? (await freePort())
  mkdirSync(DATA, { recursive: true })
  const dbFile = opts.dbFile === undefined ? join(DATA, 'temporal.db') : opts.dbFile
  const common = ['--ip', '127.0.0.1', '--port', String(grpcPort), '--ui-port', String(uiPort), '--log-level', 'error']
  if (dbFile) common.push('--db-filename', dbFile)
  for (const [key, value] of Object.entries(opts.dynamicConfig ?? {})) common.push('--dynamic-config-value', `${key}=${JSON.stringify(value)}`)

  const cli = which('temporal')
  let argv: string[]
  let kind: string
  if (cli) {
    argv = [cli, 'server', 'start-dev', ...common, ...[...SEARCH_ATTRIBUTE_NAMES, ...WEBHOOK_SEARCH_ATTRIBUTE_NAMES].flatMap((a) => ['--search-attribute', `${a}=Keyword`])]
    kind = 'temporal CLI'
  } else {
    argv = [buildTemporalDev(), ...common, '--parent-pid', String(process.pid)]
    kind = 'dev/temporal (embedded server)'
  }
  const proc = Bun.spawn(argv, { stdout: 'pipe', stderr: 'pipe' })
  const address = `127.0.0.1:${grpcPort}`
  await waitForTemporal(proc, address, !cli)
  return {
    address,
    uiUrl: `http://127.0.0.1:${uiPort}`,
    kind,
    stop: async () => {
      proc.kill('SIGTERM')
      const timer = setTimeout(() => proc.kill('SIGKILL'), 5000)
      await proc.exited
      clearTimeout(timer)
    },
  }
}

async function waitForTemporal(proc: Bun.Subprocess<'ignore', 'pipe', 'pipe'>, address: string, readyLine: boolean) {
  const errors: string[] = []
  void (async () => {
    for await (const chunk of proc.stderr) errors.push(new TextDecoder().decode(chunk))
  })()
  const deadline = Date.now() + 60_000
  if (readyLine) {
    // dev/temporal prints one "temporal-dev ready ..." line once it serves.
    const reader = proc.stdout.getReader()
    let buf = ''
    while (Date.now() < deadline) {
      const { value, done } = await reader.read()
      if (done) break
      buf += new TextDecoder().decode(value)
      if (buf.includes('temporal-dev ready')) {
        reader.releaseLock()
        void proc.stdout.pipeTo(new WritableStream()).catch(() => {})
        return
      }
    }
  } else {
    const [host, port] = address.split(':') as [string, string]
    while (Date.now() < deadline && proc.exitCode === null) {
      if (!(await portIsFree(Number(port))) && host) return
      await sleep(200)
    }
  }
  proc.kill()
  throw new Error(`temporal: the local dev server did not start on ${address}: ${errors.join('').trim().split('\n').slice(-2).join(' | ') || 'no output'}`)
}
