// A preview is what the next sync would do, written nowhere: the same counts the sync
// then reports, not one row of any table changed, the guard's verdict, and bad
// credentials answered at once with what to fix.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { FakeGraph, graphGroup, graphUser } from '../../../fixtures/fake-graph'
import { newOrg, type Reply } from '../../../support'
import { harness, runsOf, untilState, type Harness } from './harness'

let h: Harness
const graph = new FakeGraph().populate(10)
// One group: two of its members will be provisioned, the excluded one not.
graph.groups.add(graphGroup(1, { displayName: 'Engineering' }), [graphUser(1).id, graphUser(2).id, graphUser(10).id])

beforeAll(async () => {
  h = await harness('preview')
})
afterAll(async () => {
  await h?.stop()
  graph.stop()
})

/**
 * Rows of every table of ours (the organization's, where a table has organizations: other
 * tests' workflows may still write theirs): a preview must leave each count as it was.
 */
async function rowCounts(orgId: string): Promise<Record<string, number>> {
  const tables = await h.sql<{ name: string; scoped: boolean }[]>`
    select t.tablename as name, exists (
      select 1 from information_schema.columns c where c.table_schema = 'public' and c.table_name = t.tablename and c.column_name = 'organization_id'
    ) as scoped
    from pg_tables t where t.schemaname = 'public' order by t.tablename`
  const out: Record<string, number> = {}
  for (const { name, scoped } of tables) {
    const where = scoped ? ' where organization_id = $1' : ''
    out[name] = (await h.sql.unsafe<{ n: number }[]>(`select count(*)::int as n from "${name}"${where}`, scoped ? [orgId] : []))[0]!.n
  }
  return out
}

test('a new bridge: the preview writes nothing, and the first sync does what it said', async () => {
  const { orgId } = await newOrg(h.app)
  const body = { provider: 'microsoft-entra', settings: graph.settings(), excludedEmails: ['user10@contoso.com'] }
  const before = await rowCounts(orgId)
  const preview: Reply = await h.api('POST', `/organizations/${orgId}/bridges/preview`, body)
  expect(preview.status).toBe(200)
  expect(preview.body).toMatchObject({
    counts: { create: 9, update: 0, reactivate: 0, deactivate: 0, unchanged: 0, excluded: 1, conflicts: 0, groupsCreated: 1, membershipsAdded: 2 },
    refused: null,
  })
  expect(preview.body.samples.create.map((u: { userName: string }) => u.userName)).toContain('user1@contoso.onmicrosoft.com')
  expect(await rowCounts(orgId)).toEqual(before)

  const created = await h.api('POST', `/organizations/${orgId}/bridges`, body)
  await untilState(h, created.body.id, 'active')
  const [run] = await runsOf(h, created.body.id)
  expect(run).toMatchObject({
    created: preview.body.counts.create, updated: 0, deactivated: 0, excluded: 1,
    groupsCreated: preview.body.counts.groupsCreated, membershipsAdded: preview.body.counts.membershipsAdded,
  })

  // The directory changes: a title, and more than the guard allows disappear.
  graph.directory.update(graphUser(3).id, { jobTitle: 'Manager' })
  for (const i of [4, 5, 6]) graph.directory.remove(graphUser(i).id)
  const again = await rowCounts(orgId)
  const saved: Reply = await h.api('POST', `/bridges/${created.body.id}/preview`)
  expect(saved.body.counts).toMatchObject({ create: 0, update: 1, deactivate: 3, unchanged: 5, excluded: 1 })
  expect(saved.body.samples.update).toEqual([{ userName: 'user3@contoso.onmicrosoft.com', changes: { title: 'Manager' } }])
  expect(saved.body.refused).toContain('refusing to deactivate 3 of 9 active users')
  expect(await rowCounts(orgId)).toEqual(again)
})

test('bad credentials: a 400 naming the provider and what to check, within seconds', async () => {
  const { orgId } = await newOrg(h.app)
  const started = performance.now()
  const r: Reply = await h.api('POST', `/organizations/${orgId}/bridges/preview`, { provider: 'microsoft-entra', settings: { ...graph.settings(), clientSecret: 'wrong' } })
  expect(r.status).toBe(400)
  expect(r.body.error.message).toContain('401')
  expect(r.body.error.message).toContain('client secret')
  expect(performance.now() - started).toBeLessThan(30_000)
  expect((await h.api('POST', `/bridges/${crypto.randomUUID()}/preview`)).status).toBe(404)
})
