import { describe, expect, test } from 'bun:test'
import { loadConfig } from '../../../server/config'

describe('config', () => {
  test('defaults follow the README\'s environment table', () => {
    const c = loadConfig({})
    expect(c).toMatchObject({ PORT: 3000, HOST: '0.0.0.0', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'scim-bridge', PUBLIC_URL: 'http://localhost:3000' })
    expect(c.ADMIN_TOKEN).toBeUndefined()
  })

  test('the cursor secret comes from a secret every replica shares', () => {
    expect(loadConfig({ SECRETS_KEY: 'a3'.repeat(32), ADMIN_TOKEN: 'x'.repeat(16) }).CURSOR_SECRET).toBe('a3'.repeat(32))
    expect(loadConfig({ ADMIN_TOKEN: 'x'.repeat(16) }).CURSOR_SECRET).toBe('x'.repeat(16))
    expect(loadConfig({ DATABASE_URL: 'postgres://h/db' }).CURSOR_SECRET).toBe('postgres://h/db')
  })

  test('retention periods: audit events and bridge runs 90 days, webhook deliveries 30', () => {
    expect(loadConfig({})).toMatchObject({ AUDIT_RETENTION_DAYS: 90, RUN_RETENTION_DAYS: 90, DELIVERY_RETENTION_DAYS: 30 })
    expect(loadConfig({ RUN_RETENTION_DAYS: '365', DELIVERY_RETENTION_DAYS: '7' })).toMatchObject({ RUN_RETENTION_DAYS: 365, DELIVERY_RETENTION_DAYS: 7 })
  })

  test('PUBLIC_URL follows PORT and loses its trailing slash', () => {
    expect(loadConfig({ PORT: '8080' }).PUBLIC_URL).toBe('http://localhost:8080')
    expect(loadConfig({ PUBLIC_URL: 'https://scim.example.com/' }).PUBLIC_URL).toBe('https://scim.example.com')
  })

  test('TRUSTED_PROXIES: IPs and CIDRs, v4 and v6, comma-separated, spaces ignored', () => {
    expect(loadConfig({ TRUSTED_PROXIES: ' 10.0.0.0/8, 192.168.1.7 ,::1,fd00::/8 ' }).TRUSTED_PROXIES).toEqual(['10.0.0.0/8', '192.168.1.7', '::1', 'fd00::/8'])
    expect(loadConfig({}).TRUSTED_PROXIES).toEqual([])
  })

  test('empty values count as unset', () => {
    expect(loadConfig({ PORT: '', ADMIN_TOKEN: '' }).ADMIN_TOKEN).toBeUndefined()
  })

  test.each([
    ['PORT', 'abc', 'config: PORT must be an integer between 0 and 65535 (got "abc")'],
    ['PORT', '70000', 'config: PORT must be an integer between 0 and 65535 (got "70000")'],
    ['DATABASE_URL', 'mysql://x', 'config: DATABASE_URL must be a postgres:// connection string (got "mysql://x")'],
    ['TEMPORAL_ADDRESS', 'localhost', 'config: TEMPORAL_ADDRESS must be host:port, e.g. localhost:7233 (got "localhost")'],
    ['PUBLIC_URL', 'not a url', 'config: PUBLIC_URL must be a URL such as https://scim.example.com (got "not a url")'],
    ['ADMIN_TOKEN', 'short', 'config: ADMIN_TOKEN must be at least 16 characters (got "short")'],
    ['LOG_LEVEL', 'loud', 'config: LOG_LEVEL must be '],
    ['DATABASE_POOL_MAX', '0', 'config: DATABASE_POOL_MAX must be an integer between 1 and 500'],
    ['TRUSTED_PROXIES', '10.0.0.0/8, 10.0.0.300', 'config: TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs, like 10.0.0.0/8,::1 (got "10.0.0.300")'],
    ['TRUSTED_PROXIES', 'loadbalancer.internal', 'config: TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs'],
    ['TRUSTED_PROXIES', '10.0.0.0/33', 'config: TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs'],
    ['METRICS_TOKEN', 'short', 'config: METRICS_TOKEN must be at least 16 characters (got "short")'],
    ['WORKER_METRICS_PORT', '0', 'config: WORKER_METRICS_PORT must be a port between 1 and 65535 (got "0")'],
    ['WORKER_METRICS_PORT', '9464x', 'config: WORKER_METRICS_PORT must be a port between 1 and 65535 (got "9464x")'],
    ['DELIVERY_RETENTION_DAYS', '0', 'config: DELIVERY_RETENTION_DAYS must be an integer between 1 and 3650 (got "0")'],
    ['DELIVERY_RETENTION_DAYS', '7d', 'config: DELIVERY_RETENTION_DAYS must be an integer between 1 and 3650 (got "7d")'],
    ['RUN_RETENTION_DAYS', '3651', 'config: RUN_RETENTION_DAYS must be an integer between 1 and 3650 (got "3651")'],
  ])('%s=%s is refused with one line naming it', (name, value, message) => {
    expect(() => loadConfig({ [name]: value })).toThrow(message)
  })
})
