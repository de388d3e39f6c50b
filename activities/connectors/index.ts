// The connectors' entry point: one factory that picks the provider's module.
import { createGoogleWorkspaceConnector } from './google-workspace'
import type { HttpOptions } from './http'
import { createMicrosoftEntraConnector } from './microsoft-entra'
import { createOktaConnector } from './okta'
import { createScimConnector } from './scim'
import type { Provider, SettingsOf } from '../../bridge/providers'
import type { Connector } from './types'

const factories: { [P in Provider]: (settings: SettingsOf<P>, options?: HttpOptions) => Connector } = {
  scim: createScimConnector,
  'microsoft-entra': createMicrosoftEntraConnector,
  'google-workspace': createGoogleWorkspaceConnector,
  okta: createOktaConnector,
}

/** A connector for `provider`; access tokens are cached in the returned instance. */
export function createConnector<P extends Provider>(provider: P, settings: SettingsOf<P>, options?: HttpOptions): Connector {
  return factories[provider](settings, options)
}

export { ConnectorError, type HttpOptions } from './http'
export type { Connector, GroupPage, MemberPage, Page } from './types'
