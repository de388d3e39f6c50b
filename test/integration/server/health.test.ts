import { afterAll, expect, test } from 'bun:test'
import { connect } from '../../../server/db/client'
import { connectTemporal } from '../../../server/temporal'
import { call, testApp, testConfig } from '../../support'

const temporal = await connectTemporal(testConfig({ TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS! }))
afterAll(() => temporal.close())

test('/healthz answers while the process is up', async () => {
  const { app } = await testApp()
  expect(await call(app, 'GET', '/healthz')).toMatchObject({ status: 200, body: { status: 'ok' } })
})

test('/readyz is 200 when Postgres and Temporal answer', async () => {
  const { app } = await testApp({ temporal })
  const r = await call(app, 'GET', '/readyz')
  expect(r).toMatchObject({ status: 200, body: { status: 'ready', checks: { postgres: 'ok', temporal: 'ok' } } })
})

test('/readyz is 503 and names what is down', async () => {
  const dead = connect('postgres://nobody@127.0.0.1:1/none', 1)
  const { app } = await testApp({ sql: dead }) // and a Temporal that cannot be reached
  const r = await call(app, 'GET', '/readyz')
  expect(r.status).toBe(503)
  expect(r.body.status).toBe('not ready')
  expect(r.body.checks.postgres).toStartWith('unreachable: ')
  expect(r.body.checks.temporal).toStartWith('unreachable: ')
  expect(r.headers.get('retry-after')).toBe('5')
  await dead.end()
})
