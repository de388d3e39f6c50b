// Environment -> typed, validated config. A bad value stops the process with one
// line naming the variable and what it expects (see ConfigError).
import * as v from 'valibot'
import { parseRange } from './client-ip'

const int = (min: number, max: number, fallback: number) =>
  v.pipe(
    v.optional(v.string(), String(fallback)),
    v.regex(/^\d+$/, `an integer between ${min} and ${max}`),
    v.transform(Number),
    v.minValue(min, `an integer between ${min} and ${max}`),
    v.maxValue(max, `an integer between ${min} and ${max}`),
  )

const url = (what: string) => v.pipe(v.string(), v.url(what))

const hostPort = v.pipe(v.string(), v.regex(/^[^\s:]+:\d{1,5}$/, 'host:port, e.g. localhost:7233'))

export const ConfigSchema = v.object({
  DATABASE_URL: v.optional(v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, 'a postgres:// connection string'))),
  DATABASE_POOL_MAX: int(1, 500, 10),
  TEMPORAL_ADDRESS: v.optional(hostPort),
  TEMPORAL_NAMESPACE: v.optional(v.pipe(v.string(), v.minLength(1, 'a namespace name')), 'default'),
  TEMPORAL_TASK_QUEUE: v.optional(v.pipe(v.string(), v.minLength(1, 'a task queue name')), 'scim-bridge'),
  TEMPORAL_UI_URL: v.optional(url('a URL such as http://localhost:8233')),
  PORT: int(0, 65535, 3000),
  HOST: v.optional(v.pipe(v.string(), v.minLength(1, 'an interface address such as 0.0.0.0')), '0.0.0.0'),
  PUBLIC_URL: v.optional(url('a URL such as https://scim.example.com')),
  ADMIN_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, 'at least 16 characters'))),
  // 32 bytes, hex or base64: encrypts Bridge provider secrets at rest.
  SECRETS_KEY: v.optional(v.pipe(v.string(), v.regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, '32 bytes as 64 hex characters or base64'))),
  SCIM_MAX_BODY_BYTES: int(1024, 100 * 1024 * 1024, 1024 * 1024),
  SCIM_MAX_FILTER_LENGTH: int(16, 65536, 4096),
  SCIM_RATE_LIMIT_PER_MINUTE: int(0, 1_000_000, 6000),
  AUTH_FAILURES_PER_MINUTE: int(0, 1_000_000, 30),
  AUDIT_RETENTION_DAYS: int(1, 3650, 90),
  // Webhook deliveries and bridge runs older than these are pruned (server/retention.ts).
  DELIVERY_RETENTION_DAYS: int(1, 3650, 30),
  RUN_RETENTION_DAYS: int(1, 3650, 90),
  AUDIT_MAX_BODY_BYTES: int(256, 1024 * 1024, 64 * 1024),
  TRUSTED_PROXIES: v.optional(v.string(), ''),
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error']), 'info'),
  SHUTDOWN_GRACE_MS: int(0, 600_000, 10_000),
  // Webhook and bridge provider URLs may reach loopback/private networks (server/outbound.ts).
  OUTBOUND_ALLOW_PRIVATE: v.optional(v.pipe(v.picklist(['true', 'false'], 'true or false'), v.transform((s) => s === 'true')), 'false'),
  // Bearer token of GET /metrics; unset, the endpoint is open (keep it off the public network).
  METRICS_TOKEN: v.optional(v.pipe(v.string(), v.minLength(16, 'at least 16 characters'))),
  // The worker's Temporal SDK metrics (Prometheus, at /metrics on this port); unset, none are exported.
  WORKER_METRICS_PORT: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'a port between 1 and 65535'), v.transform(Number), v.minValue(1, 'a port between 1 and 65535'), v.maxValue(65535, 'a port between 1 and 65535'))),
})

type Env = v.InferOutput<typeof ConfigSchema>

export type Config = Omit<Env, 'PUBLIC_URL' | 'TRUSTED_PROXIES'> & {
  PUBLIC_URL: string
  TRUSTED_PROXIES: string[]
  /**
   * What SCIM list cursors are signed with: a cursor must verify on every replica, so it
   * comes from a secret they share (SECRETS_KEY, else ADMIN_TOKEN, else DATABASE_URL).
   */
  CURSOR_SECRET: string
}

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const known = Object.fromEntries(
    Object.keys(ConfigSchema.entries).filter((k) => env[k] !== undefined && env[k] !== '').map((k) => [k, env[k]]),
  )
  const parsed = v.safeParse(ConfigSchema, known)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const name = issue.path?.[0]?.key as string | undefined
    const got = name ? JSON.stringify(env[name]) : ''
    throw new ConfigError(`config: ${name ?? 'environment'} must be ${issue.message}${got ? ` (got ${got})` : ''}`)
  }
  const c = parsed.output
  const proxies = c.TRUSTED_PROXIES.split(',').map((s) => s.trim()).filter(Boolean)
  // A typo here would silently stop trusting the proxy and log its address for every client.
  const bad = proxies.find((p) => parseRange(p) === null)
  if (bad !== undefined) {
    throw new ConfigError(`config: TRUSTED_PROXIES must be a comma-separated list of IPs or CIDRs, like 10.0.0.0/8,::1 (got ${JSON.stringify(bad)})`)
  }
  return {
    ...c,
    PUBLIC_URL: (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/+$/, ''),
    TRUSTED_PROXIES: proxies,
    CURSOR_SECRET: c.SECRETS_KEY ?? c.ADMIN_TOKEN ?? c.DATABASE_URL ?? 'scim-bridge',
  }
}
