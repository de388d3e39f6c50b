// `scim-bridge dev`: bring up whatever is not configured, export its address into
// the environment the rest of the process reads, and print where everything is.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Config } from '../server/config'
import { DATA, portIsFree, startPostgres, startTemporal } from './services'

export async function startLocalServices() {
  const pg = await startPostgres({ database: 'scim_bridge' })
  process.env.DATABASE_URL = pg.url
  // PGlite is a single connection behind its socket: one pooled connection is all it takes.
  if (pg.kind.includes('PGlite')) process.env.DATABASE_POOL_MAX = '1'
  // The well-known ports when free, so the Temporal UI link stays the same across runs.
  const temporal = await startTemporal({
    grpcPort: (await portIsFree(7233)) ? 7233 : undefined,
    uiPort: (await portIsFree(8233)) ? 8233 : undefined,
  })
  process.env.TEMPORAL_ADDRESS = temporal.address
  if (temporal.uiUrl) process.env.TEMPORAL_UI_URL ??= temporal.uiUrl
  process.env.ADMIN_TOKEN ||= devAdminToken()
  process.env.SECRETS_KEY ||= devSecretsKey()
  // Fake IdPs and webhook receivers on this machine are the point of a local setup.
  process.env.OUTBOUND_ALLOW_PRIVATE ||= 'true'

  return {
    banner(config: Config) {
      const lines = [
        '',
        'scim-bridge dev is up',
        `  Console         ${config.PUBLIC_URL}/console`,
        `  API base        ${config.PUBLIC_URL}/api/admin/v1`,
        `  SCIM base       ${config.PUBLIC_URL}/api/connect/v1/scim/2.0`,
        `  admin token     ${config.ADMIN_TOKEN}`,
        `  Postgres        ${pg.url}  (${pg.kind})`,
        `  Temporal gRPC   ${temporal.address}  (${temporal.kind})`,
        `  Temporal UI     ${process.env.TEMPORAL_UI_URL ?? 'none'}`,
        '',
      ]
      console.log(lines.join('\n'))
    },
    async stop() {
      await temporal.stop()
      await pg.stop()
    },
  }
}

/** Generated on first run and kept in .data/ so it survives restarts. */
function devAdminToken(): string {
  return persisted('admin-token', () => 'dev_' + Buffer.from(crypto.getRandomValues(new Uint8Array(24))).toString('base64url'))
}

function devSecretsKey(): string {
  return persisted('secrets-key', () => Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('hex'))
}

function persisted(name: string, make: () => string): string {
  const file = join(DATA, name)
  if (existsSync(file)) return readFileSync(file, 'utf8').trim()
  const value = make()
  writeFileSync(file, value + '\n', { mode: 0o600 })
  return value
}
