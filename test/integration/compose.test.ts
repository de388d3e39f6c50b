// docker-compose.yml as `docker compose` reads it: dev/compose-check loads it with the
// Compose Specification's own loader (compose-go: schema validation, interpolation,
// consistency) and prints the normalized model that these tests check. No Docker engine.
import { beforeAll, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { SEARCH_ATTRIBUTE_NAMES } from '../../bridge/search-attributes'
import { buildGoProgram, ROOT } from '../../dev/services'
import { ConfigSchema } from '../../server/config'
import { WEBHOOK_SEARCH_ATTRIBUTE_NAMES } from '../../webhook/search-attributes'

const FILE = join(ROOT, 'docker-compose.yml')
/** What the README has a user set, and nothing else from this machine's environment. */
const USER_ENV = { ADMIN_TOKEN: 'a'.repeat(48), SECRETS_KEY: 'b'.repeat(64) }

type Service = {
  image?: string
  build?: { context: string; dockerfile: string }
  restart?: string
  command: string[] | null
  entrypoint: string[] | null
  environment?: Record<string, string>
  depends_on?: Record<string, { condition: string }>
  healthcheck?: { test: string[] }
}

let checker: string
let services: Record<string, Service>

function load(env: Record<string, string>) {
  const r = Bun.spawnSync([checker, FILE], { env, stdout: 'pipe', stderr: 'pipe' })
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() }
}

/** The shell script a service runs (`sh -ec <script>`), checked for syntax by sh itself. */
function script(name: string): string {
  const s = services[name]!
  expect(s.entrypoint).toEqual(['/bin/sh', '-ec'])
  const text = s.command![0]!
  expect(Bun.spawnSync(['sh', '-n', '-c', text], { stderr: 'pipe' }).stderr.toString()).toBe('')
  return text
}

beforeAll(() => {
  // A fresh clone builds it once (about a minute with an empty Go module cache), then reuses it.
  checker = buildGoProgram('dev/compose-check', 'compose-check')
  const r = load(USER_ENV)
  if (r.code !== 0) throw new Error(`compose-check rejected docker-compose.yml: ${r.stderr}`)
  services = (JSON.parse(r.stdout) as { services: Record<string, Service> }).services
}, 600_000)

test('it loads with interpolation, schema validation and consistency checks, without a warning', () => {
  // A `$name` meant for a shell but not written `$$name` would warn here (and be blanked).
  expect(load(USER_ENV).stderr).toBe('')
  expect(Object.keys(services).sort()).toEqual(['postgres', 'serve', 'temporal', 'temporal-postgres', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker'])
})

test('without ADMIN_TOKEN or SECRETS_KEY it refuses to start, saying what to set', () => {
  const messages = { ADMIN_TOKEN: 'set ADMIN_TOKEN (at least 16 characters)', SECRETS_KEY: 'set SECRETS_KEY (32 bytes as 64 hex characters)' }
  for (const [name, message] of Object.entries(messages)) {
    for (const env of [{ ...USER_ENV, [name]: '' }, Object.fromEntries(Object.entries(USER_ENV).filter(([k]) => k !== name))]) {
      const r = load(env)
      expect(r.code).toBe(1)
      expect(r.stdout).toBe('')
      expect(r.stderr).toContain(`required variable ${name} is missing a value: ${message}`)
    }
  }
})

test('images are pinned releases: the Temporal server image with the admin tools of the same version, no auto-setup', () => {
  const images = Object.fromEntries(Object.entries(services).flatMap(([name, s]) => (s.image ? [[name, s.image]] : [])))
  expect(images).toEqual({
    postgres: 'postgres:16',
    'temporal-postgres': 'postgres:16',
    'temporal-schema': 'temporalio/admin-tools:1.32.0',
    temporal: 'temporalio/server:1.32.0',
    'temporal-setup': 'temporalio/admin-tools:1.32.0',
    'temporal-ui': 'temporalio/ui:2.54.1',
  })
})

test('long-running services restart unless stopped; the one-shot setup steps do not', () => {
  for (const name of ['postgres', 'temporal-postgres', 'temporal', 'temporal-ui', 'serve', 'worker']) expect(services[name]!.restart).toBe('unless-stopped')
  for (const name of ['temporal-schema', 'temporal-setup']) expect(services[name]!.restart).toBeUndefined()
})

test('each service starts once what it needs is healthy or done', () => {
  const deps = Object.fromEntries(
    Object.entries(services).map(([name, s]) => [name, Object.fromEntries(Object.entries(s.depends_on ?? {}).map(([dep, d]) => [dep, d.condition]))]),
  )
  const app = { postgres: 'service_healthy', 'temporal-setup': 'service_completed_successfully' }
  expect(deps).toEqual({
    postgres: {},
    'temporal-postgres': {},
    'temporal-schema': { 'temporal-postgres': 'service_healthy' },
    temporal: { 'temporal-postgres': 'service_healthy', 'temporal-schema': 'service_completed_successfully' },
    'temporal-setup': { temporal: 'service_healthy' },
    'temporal-ui': { temporal: 'service_healthy' },
    serve: app,
    worker: app,
  })
})

test('health checks: serve on /readyz, the worker on its metrics, Postgres with pg_isready, Temporal on its own address', () => {
  expect(services.serve!.healthcheck!.test.join(' ')).toContain('http://localhost:3000/readyz')
  expect(services.worker!.healthcheck!.test.join(' ')).toContain(`http://localhost:${services.worker!.environment!.WORKER_METRICS_PORT}/metrics`)
  expect(services.postgres!.healthcheck!.test).toEqual(['CMD-SHELL', 'pg_isready -U scim -d scim_bridge'])
  expect(services['temporal-postgres']!.healthcheck!.test).toEqual(['CMD-SHELL', 'pg_isready -U temporal'])
  // Written `$$(...)` so Compose leaves it to the container's shell (older Compose rejects a bare `$(`).
  expect(services.temporal!.healthcheck!.test).toEqual(['CMD-SHELL', 'nc -z $(hostname -i) 7233'])
  const raw = JSON.stringify(Bun.YAML.parse(readFileSync(FILE, 'utf8')))
  expect(raw).toContain('$$(hostname -i)')
  expect(raw).not.toMatch(/(^|[^$])\$\(/)
})

test('serve and worker run the image built by the Dockerfile, with the commands the binary knows', () => {
  for (const [name, command] of [['serve', 'serve'], ['worker', 'worker']] as const) {
    const s = services[name]!
    expect(s.image).toBeUndefined()
    expect(s.build).toEqual({ context: ROOT, dockerfile: 'Dockerfile' })
    expect(s.entrypoint).toBeNull() // the image's own
    expect(s.command).toEqual([command])
  }
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8')
  const entrypoint = JSON.parse(dockerfile.match(/^ENTRYPOINT (.*)$/m)![1]!) as string[]
  expect(dockerfile).toContain('dist/scim-bridge')
  expect(entrypoint).toHaveLength(1)
  expect(entrypoint[0]).toEndWith('scim-bridge')
  // The health checks run inside that image, so they run the one program it has.
  for (const name of ['serve', 'worker']) expect(services[name]!.healthcheck!.test.slice(0, 4)).toEqual(['CMD', 'env', 'BUN_BE_BUN=1', entrypoint[0]!])
})

test('serve and worker get only configuration names the app knows, pointing at the compose services', () => {
  const known = Object.keys(ConfigSchema.entries)
  for (const name of ['serve', 'worker']) {
    const env = services[name]!.environment!
    for (const key of Object.keys(env)) expect(known).toContain(key)
    expect(env.DATABASE_URL).toBe('postgres://scim:scim@postgres:5432/scim_bridge')
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233')
    expect(env.TEMPORAL_NAMESPACE).toBe('default')
    expect(env.PUBLIC_URL).toBe('http://localhost:3000')
    expect(env).toMatchObject(USER_ENV)
  }
})

test("the schema step creates and migrates Temporal's two databases with the admin tools' versioned schemas", () => {
  const schema = services['temporal-schema']!
  const server = services.temporal!.environment!
  expect(schema.environment).toEqual({ SQL_PLUGIN: 'postgres12', SQL_HOST: server.POSTGRES_SEEDS!, SQL_PORT: server.DB_PORT!, SQL_USER: server.POSTGRES_USER!, SQL_PASSWORD: server.POSTGRES_PWD! })
  expect(server.DB).toBe('postgres12')
  const text = script('temporal-schema')
  for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d "/etc/temporal/schema/postgresql/v12/$2/versioned"']) expect(text).toContain(step)
  // The server's default database names (DBNAME, VISIBILITY_DBNAME unset).
  expect(text).toContain('setup temporal temporal\n')
  expect(text).toContain('setup temporal_visibility visibility\n')
})

test('the setup step creates the default namespace and registers exactly the search attributes the workflows use', () => {
  const text = script('temporal-setup')
  expect(text).toContain('temporal operator namespace create --namespace default')
  const registered = text.match(/for a in ([^;]*);/)![1]!.split(' ')
  expect(registered.sort()).toEqual([...SEARCH_ATTRIBUTE_NAMES, ...WEBHOOK_SEARCH_ATTRIBUTE_NAMES].sort())
})
