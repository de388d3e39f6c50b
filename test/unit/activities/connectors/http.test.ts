import { expect, test } from 'bun:test'
import { ConnectorError, nextLink, retryAfterMs, sameOriginUrl, TokenCache } from '../../../../activities/connectors/http'

const NOW = Date.parse('2025-01-01T00:00:00Z')

test.each<[string, Record<string, string>, number | undefined]>([
  ['seconds', { 'retry-after': '7' }, 7_000],
  ['an HTTP date', { 'retry-after': 'Wed, 01 Jan 2025 00:00:30 GMT' }, 30_000],
  ['a date in the past', { 'retry-after': 'Tue, 31 Dec 2024 23:00:00 GMT' }, 0],
  ["Okta's X-Rate-Limit-Reset (epoch seconds)", { 'x-rate-limit-reset': String(NOW / 1000 + 42) }, 42_000],
  ['Retry-After before X-Rate-Limit-Reset', { 'retry-after': '3', 'x-rate-limit-reset': String(NOW / 1000 + 42) }, 3_000],
  ['garbage', { 'retry-after': 'soon' }, undefined],
  ['nothing', {}, undefined],
])('Retry-After from %s', (_name, headers, expected) => {
  expect(retryAfterMs(new Headers(headers), NOW)).toBe(expected)
})

test.each<[string | null, string | null]>([
  [
    '<https://x.okta.com/api/v1/users?limit=200>; rel="self", <https://x.okta.com/api/v1/users?after=00u2&limit=200>; rel="next"',
    'https://x.okta.com/api/v1/users?after=00u2&limit=200',
  ],
  ['<https://a/1>; rel=next', 'https://a/1'],
  ['<https://a/1>; rel="prev next"', 'https://a/1'],
  ['<https://a/1>; rel="self"', null],
  ['<https://a/1>; rel="nextpage"', null],
  [null, null],
])('the next link of %p is %p', (header, expected) => {
  expect(nextLink(header)).toBe(expected)
})

test.each([
  ['https://graph.microsoft.com/v1.0/users?$skiptoken=1', true],
  ['https://graph.microsoft.com:443/v1.0/users', true],
  ['http://graph.microsoft.com/v1.0/users', false],
  ['https://graph.microsoft.com.evil.example/v1.0/users', false],
  ['https://evil.example/v1.0/users', false],
  ['not a url', false],
])('a next link to %s is followed: %p', (candidate, allowed) => {
  const follow = () => sameOriginUrl('microsoft-entra', candidate, 'https://graph.microsoft.com')
  if (allowed) expect(follow()).toBe(new URL(candidate).href)
  else expect(follow).toThrow(ConnectorError)
})

test('concurrent callers share one token request; only the current token can be invalidated', async () => {
  let fetched = 0
  const tokens = new TokenCache(async () => ({ accessToken: `t${++fetched}`, expiresInSeconds: 3600 }))
  expect(await Promise.all([tokens.get(), tokens.get()])).toEqual(['t1', 't1'])
  tokens.invalidate('t0') // a stale 401 after someone else refreshed
  expect(await tokens.get()).toBe('t1')
  tokens.invalidate('t1')
  expect(await tokens.get()).toBe('t2')
})

test('a token at the end of its lifetime is refreshed before use', async () => {
  let fetched = 0
  const tokens = new TokenCache(async () => ({ accessToken: `t${++fetched}`, expiresInSeconds: 0 }))
  await tokens.get()
  expect(await tokens.get()).toBe('t2')
})
