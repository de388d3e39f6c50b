// The secret scan of `bun run test`: every log line the suite wrote (LOG_CAPTURE_FILE,
// all levels, from the test process and the servers and workers it spawned) is searched
// for the secrets the suite used and for anything shaped like a token we issue.
// Usage: bun dev/secret-scan.ts <log file>   (exit 1 when something leaked)

/** Fixed secrets of the suite; keep in step with the tests (test/unit/dev/secret-scan.test.ts checks the shared ones). */
export const SUITE_SECRETS: { name: string; value: string }[] = [
  { name: 'ADMIN_TOKEN (test/support.ts)', value: 'test-admin-token-0123456789' },
  { name: 'ADMIN_TOKEN (test/browser/support.ts)', value: 'browser-admin-token-0123456789abcdef' },
  { name: 'ADMIN_TOKEN (test/browser/session.test.ts, rotated)', value: 'a-rotated-admin-token-0123456789' },
  { name: 'ADMIN_TOKEN (test/integration/faults)', value: 'fault-admin-token-0123456789' },
  { name: 'ADMIN_TOKEN (test/integration/server/cli.test.ts)', value: 'sigterm-admin-token-0123456789' },
  { name: 'ADMIN_TOKEN (console session test)', value: 'a-brand-new-admin-token-987654' },
  { name: 'SECRETS_KEY (bridge harness)', value: 'a3'.repeat(32) },
  { name: 'SECRETS_KEY (test/browser/support.ts)', value: 'b'.repeat(64) },
  { name: 'METRICS_TOKEN (metrics test)', value: 'test-metrics-token-0123456789' },
  { name: 'a SCIM password (audit test)', value: 'hunter2-secret' },
  { name: 'a SCIM password (console test)', value: 'correct-horse-battery' },
  { name: 'Okta API token (fake Okta)', value: '00okta-api-token' },
  { name: 'SCIM source bearer token (fake SCIM)', value: 'scim-bearer-token' },
  { name: 'rotated provider token (admin bridges test)', value: 'rotated-token' },
  { name: 'Entra client secret (admin bridges test)', value: 'a-client-secret' },
]

/** What we issue (server/organizations/token.ts, webhook/sign.ts) and provider private keys: any value of these is a secret. */
export const SECRET_SHAPES: { name: string; re: RegExp }[] = [
  { name: 'a SCIM token (scim_…)', re: /\bscim_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/ },
  { name: 'an access key (sbk_…)', re: /\bsbk_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/ },
  { name: 'a console session (cs_…)', re: /\bcs_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])/ },
  { name: 'a webhook secret (whsec_…)', re: /\bwhsec_[A-Za-z0-9+/]{32}/ },
  { name: 'a private key (PEM)', re: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
]

export type Finding = { line: number; what: string }

export function findSecrets(text: string, secrets = SUITE_SECRETS): Finding[] {
  const found: Finding[] = []
  text.split('\n').forEach((line, i) => {
    for (const s of secrets) if (line.includes(s.value)) found.push({ line: i + 1, what: s.name })
    for (const s of SECRET_SHAPES) if (s.re.test(line)) found.push({ line: i + 1, what: s.name })
  })
  return found
}

/** Scans a log file; says what it found (where, never the secret itself) and whether the scan passed. */
export async function scanLogFile(path: string, print: (line: string) => void = console.log): Promise<boolean> {
  const file = Bun.file(path)
  const text = (await file.exists()) ? await file.text() : ''
  const lines = text.split('\n').filter(Boolean).length
  // An empty capture means the logs were not captured at all: a scan of nothing proves nothing.
  if (lines === 0) {
    print(`secret scan: ${path} holds no log lines; was LOG_CAPTURE_FILE set for the suite?`)
    return false
  }
  const found = findSecrets(text)
  for (const f of found.slice(0, 20)) print(`secret scan: ${path}:${f.line}: ${f.what}`)
  print(found.length ? `secret scan: FAILED, ${found.length} secret(s) in ${lines} log lines` : `secret scan: no secret in ${lines} log lines`)
  return found.length === 0
}

if (import.meta.main) {
  const path = process.argv[2]
  if (!path) {
    console.error('usage: bun dev/secret-scan.ts <log file>')
    process.exit(2)
  }
  process.exit((await scanLogFile(path)) ? 0 : 1)
}
