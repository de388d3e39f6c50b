import { expect, test } from 'bun:test'
import { Glob } from 'bun'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findSecrets, scanLogFile, SUITE_SECRETS } from '../../../dev/secret-scan'
import { ROOT } from '../../../dev/services'
import { newToken } from '../../../server/organizations/token'
import { newWebhookSecret } from '../../../webhook/sign'
import { ADMIN_TOKEN } from '../../support'
import { SECRETS_KEY } from '../../integration/workflows/bridge/harness'

const line = (o: unknown) => JSON.stringify({ t: '2026-01-01T00:00:00Z', level: 'info', msg: 'x', detail: o })

test('finds the suite secrets and every token shape we issue, and says where', () => {
  const log = [
    line({ ok: true }),
    line({ authorization: `Bearer ${ADMIN_TOKEN}` }),
    line({ key: SECRETS_KEY }),
    line({ token: newToken() }),
    line({ key: newToken('sbk_') }),
    line({ cookie: newToken('cs_') }),
    line({ secret: newWebhookSecret() }),
    line({ pem: '-----BEGIN PRIVATE KEY-----\nMIIE' }),
  ].join('\n')
  expect(findSecrets(log)).toEqual([
    { line: 2, what: 'ADMIN_TOKEN (test/support.ts)' },
    { line: 3, what: 'SECRETS_KEY (bridge harness)' },
    { line: 4, what: 'a SCIM token (scim_…)' },
    { line: 5, what: 'an access key (sbk_…)' },
    { line: 6, what: 'a console session (cs_…)' },
    { line: 7, what: 'a webhook secret (whsec_…)' },
    { line: 8, what: 'a private key (PEM)' },
  ])
})

test('names that merely start like a token are not findings', () => {
  expect(findSecrets(line({ table: 'scim_events', channel: 'scim_tokens', cookie: 'scim_bridge_session', redacted: '[REDACTED]' }))).toEqual([])
})

test('every ADMIN_TOKEN the tests configure is on the list', async () => {
  const listed = new Set(SUITE_SECRETS.map((s) => s.value))
  const literals = new Set<string>()
  for await (const path of new Glob('test/**/*.ts').scan(ROOT)) {
    for (const m of (await Bun.file(join(ROOT, path)).text()).matchAll(/(?:ADMIN_TOKEN\s*[:=]|const token =)\s*'([\w-]{16,})'/g)) literals.add(m[1]!) // shorter: refused by config
  }
  expect(literals.size).toBeGreaterThanOrEqual(4)
  for (const l of literals) expect(listed).toContain(l)
})

test('a scan of an empty or missing capture fails: it would prove nothing', async () => {
  const printed: string[] = []
  expect(await scanLogFile(join(tmpdir(), `none-${crypto.randomUUID()}.jsonl`), (l) => printed.push(l))).toBe(false)
  expect(printed[0]).toContain('LOG_CAPTURE_FILE')
  const path = join(tmpdir(), `scan-${crypto.randomUUID()}.jsonl`)
  await Bun.write(path, `${line({ a: 1 })}\n${line({ b: ADMIN_TOKEN })}\n`)
  expect(await scanLogFile(path, (l) => printed.push(l))).toBe(false)
  expect(printed).toContain(`secret scan: ${path}:2: ADMIN_TOKEN (test/support.ts)`)
  expect(printed.join('\n')).not.toContain(ADMIN_TOKEN)
  await Bun.write(path, `${line({ a: 1 })}\n`)
  expect(await scanLogFile(path, (l) => printed.push(l))).toBe(true)
})
