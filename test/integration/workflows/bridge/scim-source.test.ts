// The `scim` connector against a second organization of our own server (its SCIM API on
// loopback), and what the Bridge does with users it finds already there (as the reference system does:
// adopt by email; never touch a user made by hand).
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { call, newOrg, testApp } from '../../../support'
import { eventually, harness, runsOf, untilState, usersOf, type Harness } from './harness'

const SCIM = '/api/connect/v1/scim/2.0'
let h: Harness
let server: ReturnType<typeof Bun.serve>
let source: { orgId: string; token: string }
const sourceUsers: Record<string, string> = {}
let sourceApp: Awaited<ReturnType<typeof testApp>>['app']

const person = (i: number) => ({
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  userName: `person${i}@acme.test`,
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  emails: [{ value: `person${i}@acme.test`, type: 'work', primary: true }],
  title: 'Engineer',
  active: true,
})

beforeAll(async () => {
  h = await harness('scim-source')
  sourceApp = (await testApp()).app
  server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (request) => sourceApp.handle(request) })
  source = await newOrg(sourceApp)
  for (const i of [1, 2, 3]) {
    const res = await call(sourceApp, 'POST', `${SCIM}/Users`, { token: source.token, body: person(i) })
    expect(res.status).toBe(201)
    sourceUsers[`person${i}@acme.test`] = res.body.id
  }
})

afterAll(async () => {
  await h?.stop()
  server?.stop(true)
})

test('a bridge pulls another SCIM server: creates, adopts a SCIM user by userName and email, leaves a hand-made one alone', async () => {
  const { orgId: target, token } = await newOrg(h.app)
  // Already in the target: person1 pushed by SCIM (adoptable), person2 created by hand (never touched).
  const pushed = await call(h.app, 'POST', `${SCIM}/Users`, { token, body: { ...person(1), title: 'Intern' } })
  expect(pushed.status).toBe(201)
  await h.sql`insert into users (organization_id, user_name, email, source) values (${target}, 'person2@acme.test', 'person2@acme.test', 'manual')`
  const before = await usersOf(h.sql, target)

  const res = await h.api('POST', `/organizations/${target}/bridges`, {
    provider: 'scim',
    settings: { baseUrl: `http://127.0.0.1:${server.port}${SCIM}`, token: source.token },
    maxDeactivationRatio: 0.5, // two users: deactivating one is half of them
  })
  expect(res.status).toBe(201)
  const bridgeId = res.body.id as string
  await untilState(h, bridgeId, 'active')

  const users = await usersOf(h.sql, target)
  expect(users.get('person1@acme.test')).toMatchObject({
    id: before.get('person1@acme.test')!.id, source: 'bridge', title: 'Engineer', externalId: sourceUsers['person1@acme.test'],
  })
  expect(users.get('person2@acme.test')).toEqual(before.get('person2@acme.test')!)
  expect(users.get('person3@acme.test')).toMatchObject({ source: 'bridge', active: true, externalId: sourceUsers['person3@acme.test'] })
  const [run] = await runsOf(h, bridgeId)
  expect(run).toMatchObject({ outcome: 'succeeded', created: 1, updated: 1, conflicts: 1 })
  expect(run!.conflictSamples).toEqual([{ externalId: sourceUsers['person2@acme.test'], userName: 'person2@acme.test', reason: 'manual-user', userId: before.get('person2@acme.test')!.id }])

  // Deactivated at the source: deactivated here on the next sync.
  const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] }
  expect((await call(sourceApp, 'PATCH', `${SCIM}/Users/${sourceUsers['person3@acme.test']}`, { token: source.token, body: patch })).status).toBe(200)
  expect((await h.api('POST', `/bridges/${bridgeId}/sync`)).status).toBe(200)
  const person3 = await eventually(async () => (await usersOf(h.sql, target)).get('person3@acme.test'), (u) => u!.active === false, 'person3 to be deactivated')
  const history = await h.api('GET', `/users/${person3!.id}/history`)
  expect(history.body.items[0]).toMatchObject({ type: 'user.deactivated', source: { kind: 'bridge', bridgeId }, reason: 'disabled' })
  expect((await usersOf(h.sql, target)).get('person1@acme.test')!.active).toBe(true)
})
