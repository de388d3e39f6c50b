import { expect, test } from 'bun:test'
import * as v from 'valibot'
import { PROVIDERS, providerSettings, providers, publicSettings } from '../../../bridge/providers'

const key = {
  client_email: 'sa@p.iam.gserviceaccount.com',
  private_key: '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n',
}

test.each([
  ['scim', { baseUrl: 'https://idp.example.com/scim/v2/', token: 't' }, true],
  ['scim', { baseUrl: 'ftp://idp.example.com', token: 't' }, false],
  ['scim', { baseUrl: 'https://idp.example.com', token: '' }, false],
  ['microsoft-entra', { tenantId: 'contoso.onmicrosoft.com', clientId: 'c', clientSecret: 's' }, true],
  ['microsoft-entra', { tenantId: '../common', clientId: 'c', clientSecret: 's' }, false],
  ['microsoft-entra', { tenantId: 't', clientId: 'c', clientSecret: 's', graphBaseUrl: 'not a url' }, false],
  ['google-workspace', { serviceAccountKey: key, adminEmail: 'admin@example.com' }, true],
  ['google-workspace', { serviceAccountKey: JSON.stringify(key), adminEmail: 'admin@example.com', customer: 'C01abc' }, true],
  ['google-workspace', { serviceAccountKey: '{not json', adminEmail: 'admin@example.com' }, false],
  ['google-workspace', { serviceAccountKey: key, adminEmail: 'admin@example.com', customer: 'a&b' }, false],
  ['okta', { orgUrl: 'https://acme.okta.com', apiToken: '00abc' }, true],
  ['okta', { orgUrl: 'acme.okta.com', apiToken: '00abc' }, false],
] as const)('%s settings %j valid: %p', (provider, settings, valid) => {
  expect(v.safeParse(PROVIDERS[provider].settings, settings).success).toBe(valid)
})

test('base URLs lose their trailing slash, so paths can be appended', () => {
  expect(v.parse(PROVIDERS.scim.settings, { baseUrl: 'https://idp.example.com/scim/v2/', token: 't' }).baseUrl).toBe(
    'https://idp.example.com/scim/v2',
  )
})

test('providerSettings picks the schema by provider', () => {
  expect(
    v.safeParse(providerSettings, { provider: 'okta', settings: { orgUrl: 'https://a.okta.com', apiToken: 'x' } }).success,
  ).toBe(true)
  expect(v.safeParse(providerSettings, { provider: 'okta', settings: { baseUrl: 'https://a', token: 'x' } }).success).toBe(false)
  expect(v.safeParse(providerSettings, { provider: 'ldap', settings: {} }).success).toBe(false)
})

test('publicSettings drops every secret field', () => {
  const settings = v.parse(PROVIDERS['microsoft-entra'].settings, { tenantId: 't', clientId: 'c', clientSecret: 's' })
  expect(publicSettings('microsoft-entra', settings)).toEqual({ tenantId: 't', clientId: 'c' })
  expect(Object.fromEntries(providers.map((p) => [p, PROVIDERS[p].secrets]))).toEqual({
    scim: ['token'],
    'microsoft-entra': ['clientSecret'],
    'google-workspace': ['serviceAccountKey'],
    okta: ['apiToken'],
  })
})
