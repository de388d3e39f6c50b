// The SCIM benchmark's baseline: a bare Bun.serve handler that answers the benchmark's
// URLs with the very statement our server sends for them, through the same driver and
// pool (server/db/client connect), and the rows as JSON. No auth, audit, validation,
// filter parsing, schema rendering or routing framework: what is left is the database
// and the wire. The read statements are captured once at start from our own stores
// (server/users/store.ts) with placeholder values, then run with each request's values:
// one statement per request. Our server also merges concurrent point lookups (by id, by
// userName) into one statement (server/db/coalesce.ts); the baseline does not, so for
// those two rows the ratio measures that merging as well.
// Run by bench/scim.ts: PORT, DATABASE_URL, ORG_ID, DATABASE_POOL_MAX in the environment.
import postgres from 'postgres'
import { CAMEL_COLUMNS, connect, type Tx } from '../server/db/client'
import { parseFilter } from '../server/scim/filter/parse'
import { filterToSql } from '../server/scim/filter/to-sql'
import { USER } from '../server/schema'
import { getUser, listUsers, userByName } from '../server/users/store'

const url = process.env.DATABASE_URL!
const sql = connect(url, Number(process.env.DATABASE_POOL_MAX ?? 10))
const org = process.env.ORG_ID!
const BASE = '/api/connect/v1/scim/2.0/Users'
const USER_NAME_EQ = /^userName eq "(.*)"$/
const WORK_EMAIL_EQ = /^emails\[type eq "work" and value eq "(.*)"\]$/
const ID = '00000000-0000-4000-8000-000000000001'
const VALUE = 'baseline-placeholder@example.com'
const KEY = '2000-01-01 00:00:00+00'
const START = 424243

type Statement = { text: string; params: unknown[] }

/** The last statement `run` sends, as text and parameters. */
async function capture(run: (spy: Tx) => Promise<unknown>): Promise<Statement> {
  let last: Statement | undefined
  const spy = postgres(url, { max: 1, transform: CAMEL_COLUMNS, onnotice: () => {}, debug: (_c, text, params) => (last = { text, params }) })
  await run(spy)
  await spy.end()
  return last!
}

const statements = {
  get: await capture((s) => getUser(s, org, ID, { groups: true })),
  userName: await capture((s) => userByName(s, org, VALUE, { groups: true })),
  workEmail: await capture((s) => {
    const filter = parseFilter(`emails[type eq "work" and value eq "${VALUE}"]`)
    return listUsers(s, org, { where: (q) => filterToSql(q, filter, USER), count: 100, startIndex: 1 }, { groups: true })
  }),
  after: await capture((s) => listUsers(s, org, { count: 100, startIndex: 1, after: { key: KEY, id: ID } }, { groups: true })),
  offset: await capture((s) => listUsers(s, org, { count: 100, startIndex: START }, { groups: true })),
}

/**
 * Runs a captured statement with the placeholders replaced by this request's values, also
 * inside array parameters, which the driver hands out serialized (`{"placeholder"}`;
 * the benchmark's values need no quoting there).
 */
function run(st: Statement, values: Record<string, unknown>) {
  const fill = (p: unknown) => {
    if (typeof p !== 'string') return p
    if (p in values) return values[p]
    let out = p
    for (const [placeholder, value] of Object.entries(values)) out = out.replaceAll(placeholder, String(value))
    return out
  }
  const params = st.params.map(fill)
  return sql.unsafe(st.text, params as postgres.ParameterOrJSON<never>[], { prepare: true })
}

const list = (rows: Record<string, unknown>[], total: number) => Response.json({ totalResults: total, Resources: rows })

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url)
  const id = url.pathname.length > BASE.length + 1 ? url.pathname.slice(BASE.length + 1) : undefined
  if (req.method === 'GET' && id) {
    const [row] = await run(statements.get, { [ID]: id })
    return row ? Response.json(row) : new Response(null, { status: 404 })
  }
  if (req.method === 'GET') {
    const filter = url.searchParams.get('filter') ?? ''
    const userName = USER_NAME_EQ.exec(filter)?.[1]
    if (userName !== undefined) {
      const rows = await run(statements.userName, { [VALUE]: userName })
      return list(rows, rows.length)
    }
    const email = WORK_EMAIL_EQ.exec(filter)?.[1]
    if (email !== undefined) {
      const rows = await run(statements.workEmail, { [VALUE]: email })
      return list(rows, rows.length)
    }
    const cursor = url.searchParams.get('cursor')
    if (cursor) {
      // The bench hands out `created_at|id` of the row before the page.
      const [key, after] = cursor.split('|') as [string, string]
      const rows = await run(statements.after, { [KEY]: key, [ID]: after })
      return list(rows, Number(rows[0]?.pageTotal ?? 0))
    }
    // Drivers send parameters as text: the placeholder offset is START - 1.
    const offset = Number(url.searchParams.get('startIndex') ?? 1) - 1
    const rows = await run(statements.offset, { [String(START - 1)]: String(offset) })
    return list(rows, Number(rows[0]?.pageTotal ?? 0))
  }
  if (req.method === 'POST') {
    const u = (await req.json()) as { userName: string; name: { givenName: string; familyName: string }; title?: string; emails: { value: string }[] }
    const email = u.emails[0]!.value
    const [row] = await sql`
      insert into users (organization_id, user_name, name_given_name, name_family_name, title, email, emails)
      values (${org}, ${u.userName}, ${u.name.givenName}, ${u.name.familyName}, ${u.title ?? null}, ${email.toLowerCase()},
        ${sql.json([{ value: email, type: 'work', primary: true }])})
      on conflict do nothing
      returning *`
    return row ? Response.json(row, { status: 201 }) : new Response(null, { status: 409 })
  }
  if (req.method === 'PATCH' && id) {
    const body = (await req.json()) as { Operations: { value: string }[] }
    const [row] = await sql`
      update users set title = ${body.Operations[0]!.value}, version = version + 1, updated_at = now()
      where organization_id = ${org} and id = ${id}
      returning *`
    return row ? Response.json(row) : new Response(null, { status: 404 })
  }
  return new Response(null, { status: 404 })
}

const server = Bun.serve({ port: Number(process.env.PORT ?? 0), hostname: '127.0.0.1', fetch: handle })
console.log(`baseline listening on ${server.port}`)
