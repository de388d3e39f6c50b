// The directory reads on 100,000 users (server/directory/reads.ts, migration 0010): every
// list query shape, as the store sends it (captured from the driver, with its
// parameters), first and second page, is planned without a sequential scan, both for
// its parameters and as a generic plan.
// What the API answers: test/integration/server/admin/directory.test.ts.
import { afterAll, beforeAll, expect, test } from 'bun:test'
import postgres from 'postgres'
import { CAMEL_COLUMNS, type Sql } from '../../../../server/db/client'
import { listGroups, listMembers, listUsers, type Page } from '../../../../server/directory/reads'
import { createOrg, migratedSql } from '../../../support'

const USERS = 100_000
const BRIDGE = '00000000-0000-4000-8000-0000000000b1'

let sql: Sql
let orgId: string
let groupId: string
let capturing: Sql
const sent: { query: string; parameters: unknown[] }[] = []

beforeAll(async () => {
  sql = await migratedSql()
  orgId = await createOrg(sql)
  // Set-based: a mix of active, sources and bridges, update times a second apart.
  await sql`
    insert into users (organization_id, user_name, display_name, email, active, source, bridge_id, updated_at)
    select ${orgId}, 'user' || i || '@example.com', 'Person ' || i, 'user' || i || '@example.com', i % 10 <> 0,
      case when i % 3 = 0 then 'bridge' when i % 7 = 0 then 'manual' else 'scim' end,
      case when i % 3 = 0 then ${BRIDGE}::uuid end,
      now() - i * interval '1 second'
    from generate_series(1, ${USERS}) i`
  // Before the members: their foreign key checks are planned with these statistics.
  await sql`analyze users`
  groupId = (await sql<{ id: string }[]>`insert into groups (organization_id, display_name) values (${orgId}, 'Everyone') returning id`)[0]!.id
  await sql`insert into groups (organization_id, display_name) select ${orgId}, 'Team ' || i from generate_series(1, 10000) i`
  // Everyone in one group, and each in one of the teams.
  await sql`
    insert into group_members (organization_id, group_id, user_id)
    select ${orgId}::uuid, ${groupId}::uuid, id from users where organization_id = ${orgId}
    union all
    select ${orgId}::uuid, t.id, u.id
    from (select id, row_number() over (order by id) - 1 as n from users where organization_id = ${orgId}) u
    join (select id, row_number() over (order by id) - 1 as n from groups where organization_id = ${orgId} and id <> ${groupId}) t on t.n = u.n % 10000`
  await sql`analyze groups`
  await sql`analyze group_members`
  capturing = postgres(process.env.DATABASE_URL!, { max: 1, transform: CAMEL_COLUMNS, onnotice: () => {}, debug: (_, query, parameters) => void sent.push({ query, parameters }) })
}, 60_000)

afterAll(async () => {
  await capturing?.end({ timeout: 1 })
  await sql`delete from organizations where id = ${orgId}`
})

/** What `read` sent: the last statement (the list), with its parameters. */
async function listQuery(read: (sql: Sql) => Promise<Page>): Promise<{ page: Page; query: string; parameters: unknown[] }> {
  sent.length = 0
  const page = await read(capturing)
  return { page, ...sent.at(-1)! }
}

/** The plan's nodes, depth first. */
function nodes(plan: Record<string, unknown>): Record<string, unknown>[] {
  return [plan, ...((plan.Plans as Record<string, unknown>[] | undefined) ?? []).flatMap(nodes)]
}

let prepared = 0

/** The plan for these parameters (a custom plan), or the one for any (a generic plan, as a prepared statement may switch to). */
async function plan(query: string, parameters: unknown[], generic: boolean) {
  const explained = generic
    ? await sql.begin(async (tx) => {
        await tx`set local plan_cache_mode = force_generic_plan`
        // Prepared statements outlive transactions: each its own name, deallocated once explained.
        const name = `listing_${++prepared}`
        await tx.unsafe(`prepare ${name} as ${query}`)
        const literal = (p: unknown) => `'${(p instanceof Date ? p.toISOString() : String(p)).replaceAll("'", "''")}'`
        const rows = await tx.unsafe(`explain (format json) execute ${name}(${parameters.map(literal).join(', ')})`)
        await tx.unsafe(`deallocate ${name}`)
        return rows
      })
    : await sql.unsafe(`explain (format json) ${query}`, parameters as postgres.ParameterOrJSON<never>[])
  return nodes((explained[0]!['QUERY PLAN'] as { Plan: Record<string, unknown> }[])[0]!.Plan)
}

const since = () => new Date(Date.now() - 3600_000)
const shapes: [string, (sql: Sql, cursor?: string) => Promise<Page>][] = [
  ['all', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor })],
  ['active=true', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, active: true })],
  ['active=false', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, active: false })],
  ['source=manual', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, source: 'manual' })],
  ['source=bridge', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, source: 'bridge' })],
  ['bridgeId', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, bridgeId: BRIDGE })],
  ['q (userName, email)', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, q: 'USER12' })],
  ['q (displayName)', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, q: 'person 99' })],
  ['q, rare', (s, cursor) => listUsers(s, orgId, { limit: 5, cursor, q: 'user9999' })],
  ['updatedSince', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, updatedSince: since() })],
  ['updatedSince, active=false', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, updatedSince: since(), active: false })],
  ['updatedSince, everyone', (s, cursor) => listUsers(s, orgId, { limit: 1000, cursor, updatedSince: new Date(0) })],
  ['q, bridgeId, active', (s, cursor) => listUsers(s, orgId, { limit: 100, cursor, q: 'user1', bridgeId: BRIDGE, active: true })],
  ['members', (s, cursor) => listMembers(s, groupId, { limit: 100, cursor })],
  ['groups', (s, cursor) => listGroups(s, orgId, { limit: 100, cursor })],
  ['groups, q', (s, cursor) => listGroups(s, orgId, { limit: 100, cursor, q: 'team 12' })],
]

test.each(shapes)('%s: no sequential scan, first page or second, custom plan or generic', async (_, read) => {
  const first = await listQuery((s) => read(s))
  expect(first.page.nextCursor).toBeString()
  const second = await listQuery((s) => read(s, first.page.nextCursor!))
  expect(second.page.items.length).toBeGreaterThan(0)
  for (const { query, parameters } of [first, second]) {
    for (const generic of [false, true]) {
      const scans = (await plan(query, parameters, generic)).filter((n) => n['Node Type'] === 'Seq Scan').map((n) => n['Relation Name'])
      expect([query, generic, scans]).toEqual([query, generic, []])
    }
  }
})

test('the seeded shapes hold what the plans were asked about', async () => {
  const [counts] = await sql<{ users: number; members: number }[]>`
    select (select count(*)::int from users where organization_id = ${orgId}) as users,
      (select count(*)::int from group_members where organization_id = ${orgId} and group_id = ${groupId}) as members`
  expect(counts).toEqual({ users: USERS, members: USERS })
})
