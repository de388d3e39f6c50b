import { describe, expect, test } from 'bun:test'
import { type BridgeMemo, bridgeDetails, bridgeSummary, memoAfter, plain, webhookDetails, webhookMemo, webhookSummary } from '../../../workflows/metadata'

describe('plain', () => {
  test('escapes what markdown would read as a link, HTML, emphasis, code or a heading', () => {
    expect(plain('# [x](javascript:alert(1)) <img src=x> *a* _b_ `c` ![i](u)')).toBe(
      '\\# \\[x\\]\\(javascript\\:alert\\(1\\)\\) \\<img src=x\\> \\*a\\* \\_b\\_ \\`c\\` \\!\\[i\\]\\(u\\)',
    )
  })

  test('keeps to one line and to its length', () => {
    expect(plain('line one\n\n- line two\r\n')).toBe('line one \\- line two')
    expect(plain('x'.repeat(500), 10)).toBe(`${'x'.repeat(9)}…`)
  })
})

describe('bridge details', () => {
  const memo = { organization: 'Acme', organizationId: 'o', provider: 'okta' }

  test('the summary holds what never changes (organization, provider); the name, which may, is in the details', () => {
    expect(bridgeSummary({ ...memo, name: 'Okta EU' } as never)).toBe('Acme · okta')
    const status = { state: 'active' as const, consecutiveFailures: 0, nextSyncAt: null, lastError: null }
    expect(bridgeDetails({ ...memo, name: 'Okta *EU*' }, status)).toBe('Acme · okta\n\n- **Name:** Okta \\*EU\\*\n- **State:** active')
  })

  test('a memo change merges like upsertMemo: a new value replaces, undefined removes the key', () => {
    const before: BridgeMemo = { ...memo, name: 'Old', lastSyncAt: 'never' }
    const named = memoAfter(before, { name: 'New' })
    expect(named).toEqual({ ...memo, name: 'New', lastSyncAt: 'never' })
    expect(memoAfter(named, { name: undefined })).toEqual({ ...memo, lastSyncAt: 'never' })
    expect(before.name).toBe('Old') // not changed in place
  })

  test('a failing bridge: state, failures, next retry and the error as plain text', () => {
    const details = bridgeDetails({ ...memo, lastSyncAt: 'never' }, {
      state: 'failed', consecutiveFailures: 3, nextSyncAt: '2026-12-06T05:50:12.345Z', lastError: 'HTTP 500 from <https://idp>',
    })
    expect(details).toBe([
      'Acme · okta',
      '',
      '- **State:** failed · 3 consecutive failures',
      '- **Last sync:** never',
      '- **Next retry:** 2026-12-06 05:50:12 UTC',
      '- **Last error:** HTTP 500 from \\<https\\://idp\\>',
    ].join('\n'))
  })

  test('a disabled bridge says what brings it back; a run without a memo shows its state only', () => {
    const status = { state: 'disabled' as const, consecutiveFailures: 10, nextSyncAt: null, lastError: null }
    expect(bridgeDetails({ ...memo, lastSyncAt: '2026-12-01T10:00:00.000Z' }, status)).toContain(
      '- **Last sync:** 2026-12-01 10:00:00 UTC\n- Disabled: no sync runs until an admin enables the bridge.',
    )
    expect(bridgeDetails(undefined, { ...status, state: 'active', consecutiveFailures: 0 })).toBe('- **State:** active')
  })
})

describe('webhook details', () => {
  test('the URL loses its credentials, query and fragment: they may carry secrets', () => {
    const memo = webhookMemo('Acme', { organizationId: 'o', url: 'https://user:pw@hooks.example/in/x?token=s3cret#f' })
    expect(memo.url).toBe('https://hooks.example/in/x')
    // The URL may change: the summary holds the organization only, the details the URL.
    expect(webhookSummary(memo)).toBe('Acme · webhook')
    expect(webhookDetails(memo, { state: 'paused', consecutiveFailures: 0, lastError: null }, null)).toBe(
      'Acme · webhook\n\n- **URL:** https\\://hooks\\.example/in/x\n- **State:** paused',
    )
  })

  test('state, failures, the last delivery and the error', () => {
    const memo = webhookMemo('Acme', { organizationId: 'o', url: 'https://hooks.example/' })
    const status = { state: 'active' as const, consecutiveFailures: 1, lastError: 'HTTP 503' }
    expect(webhookDetails(memo, status, { events: 2, at: '2026-12-06T05:50:12.000Z' })).toBe([
      'Acme · webhook',
      '',
      '- **URL:** https\\://hooks\\.example/',
      '- **State:** active · 1 consecutive failure',
      '- **Last delivery:** 2 events at 2026-12-06 05:50:12 UTC',
      '- **Last error:** HTTP 503',
    ].join('\n'))
  })
})

test('a memo from older code, without the names, shows the state only and never throws', () => {
  const status = { state: 'active', consecutiveFailures: 0, lastSyncAt: null, nextSyncAt: null, lastError: null } as const
  const bridge = bridgeDetails({ organizationId: 'o', lastSyncAt: 42 } as never, status)
  expect(bridge).toBe('- **State:** active')
  const hook = webhookDetails({ organizationId: 'o' } as never, { state: 'active', consecutiveFailures: 0, lastError: null } as never, null)
  expect(hook).toStartWith('- **State:** active')
})
