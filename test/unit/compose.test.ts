// docker-compose.yml is not run here (no Docker engine), so check its wiring by reading it.
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { ROOT } from '../../dev/services'
import { ConfigSchema } from '../../server/config'

type Service = { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; depends_on?: Record<string, unknown>; ports?: string[] }
const compose = Bun.YAML.parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> }
const services = compose.services

test('it runs Postgres, Temporal with its own database, the Temporal UI, serve and worker', () => {
  expect(Object.keys(services).sort()).toEqual(['postgres', 'serve', 'temporal', 'temporal-postgres', 'temporal-setup', 'temporal-ui', 'worker'])
  expect(services.serve!.command).toEqual(['serve'])
  expect(services.worker!.command).toEqual(['worker'])
  expect(services.serve!.build).toBe('.')
  expect(services['temporal-ui']!.ports).toEqual(['8233:8080'])
})

test('our processes get only configuration names the app knows, pointing at compose services', () => {
  const known = Object.keys(ConfigSchema.entries)
  for (const name of ['serve', 'worker']) {
    const env = services[name]!.environment!
    for (const key of Object.keys(env)) expect(known).toContain(key)
    expect(env.DATABASE_URL).toContain('@postgres:5432/')
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233')
  }
})

test('every dependency names a service', () => {
  for (const s of Object.values(services)) for (const dep of Object.keys(s.depends_on ?? {})) expect(Object.keys(services)).toContain(dep)
})

test('the setup step registers exactly the search attributes the workflows use', async () => {
  const { SEARCH_ATTRIBUTE_NAMES } = await import('../../bridge/search-attributes')
  const script = String(services['temporal-setup']!.command)
  for (const name of SEARCH_ATTRIBUTE_NAMES) expect(script).toContain(name)
})
