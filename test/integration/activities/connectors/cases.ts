// Each connector wired to its fake IdP over loopback, for the suites that hold for all of them.
import type { DirectoryUser } from '../../../../bridge/directory'
import type { Provider } from '../../../../bridge/providers'
import { createConnector, type Connector, type HttpOptions } from '../../../../activities/connectors'
import { FakeGoogle } from '../../../fixtures/fake-google'
import { FakeGraph } from '../../../fixtures/fake-graph'
import { FakeOkta } from '../../../fixtures/fake-okta'
import { FakeScim } from '../../../fixtures/fake-scim'

/** The fakes listen on loopback, which bridges may reach only when OUTBOUND_ALLOW_PRIVATE says so. */
export const LOOPBACK: HttpOptions = { allowPrivate: true }

export type AnyFake = FakeGraph | FakeGoogle | FakeOkta | FakeScim

export interface ConnectorCase {
  provider: Provider
  pageSize: number
  usersPath: string
  start(): { fake: AnyFake; connect(options?: HttpOptions): Connector }
}

export const cases: ConnectorCase[] = [
  {
    provider: 'microsoft-entra',
    pageSize: 999,
    usersPath: '/v1.0/users',
    start() {
      const fake = new FakeGraph()
      return { fake, connect: (options) => createConnector('microsoft-entra', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
  {
    provider: 'google-workspace',
    pageSize: 500,
    usersPath: '/admin/directory/v1/users',
    start() {
      const fake = new FakeGoogle()
      return { fake, connect: (options) => createConnector('google-workspace', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
  {
    provider: 'okta',
    pageSize: 200,
    usersPath: '/api/v1/users',
    start() {
      const fake = new FakeOkta()
      return { fake, connect: (options) => createConnector('okta', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
  {
    provider: 'scim',
    pageSize: 100,
    usersPath: '/scim/v2/Users',
    start() {
      const fake = new FakeScim()
      return { fake, connect: (options) => createConnector('scim', fake.settings(), { ...LOOPBACK, ...options }) }
    },
  },
]

/** Every page of the directory, following `next` as the sync activity does. */
export async function drain(connector: Connector): Promise<{ users: DirectoryUser[]; pages: number }> {
  const users: DirectoryUser[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const page = await connector.fetchPage(cursor)
    users.push(...page.users)
    cursor = page.next
    pages++
  } while (cursor !== null)
  return { users, pages }
}

/** The rejection of `promise` (bun:test's `rejects` cannot inspect fields and time together). */
export async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}
