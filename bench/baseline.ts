// The SCIM benchmark's baseline: a bare Bun.serve handler that answers the benchmark's
// URLs with the one query each needs, through the same driver and pool
// (server/db/client connect), and the rows as JSON. No auth, audit, validation,
// schema rendering or routing framework: what is left is the database and the wire.
// Run by bench/scim.ts: PORT, DATABASE_URL, ORG_ID, DATABASE_POOL_MAX in the environment.
import { connect } from '../server/db/client'

const sql = connect(process.env.DATABASE_URL!, Number(process.env.DATABASE_POOL_MAX ?? 10))
const org = process.env.ORG_ID!
const BASE = '/api/connect/v1/scim/2.0/Users'
const USER_NAME_EQ = /^userName eq "(.*)"$/
const WORK_EMAIL_EQ = /^emails\[type eq "(.*)" and value eq "(.*)"\]$/

const list = (rows: Record<string, unknown>[]) => Response.json({ totalResults: Number(rows[0]?.total ?? 0), Resources: rows })

async function handle(req: Request): Promise<Response> {
  const url = new URL(req.url)
  const id = url.pathname.length > BASE.length + 1 ? url.pathname.slice(BASE.length + 1) : undefined
  if (req.method === 'GET' && id) {
    const [row] = await sql`select * from users where organization_id = ${org} and id = ${id}`
    return row ? Response.json(row) : new Response(null, { status: 404 })
  }
  if (req.method === 'GET') {
    const filter = url.searchParams.get('filter')
    const userName = filter ? USER_NAME_EQ.exec(filter)?.[1] : undefined
    if (userName !== undefined) {
      return list(await sql`
        select *, count(*) over () as total from users
        where organization_id = ${org} and lower(user_name) = lower(${userName}::text)`)
    }
    const email = filter ? WORK_EMAIL_EQ.exec(filter) : null
    if (email) {
      return list(await sql`
        select *, count(*) over () as total from users
        where organization_id = ${org} and exists (
          select 1 from jsonb_array_elements(emails) e
          where lower(e->>'type') = lower(${email[1]!}::text) and lower(e->>'value') = lower(${email[2]!}::text))`)
    }
    const count = Number(url.searchParams.get('count') ?? 100)
    const total = sql`(select count(*) from users where organization_id = ${org}) as total`
    const cursor = url.searchParams.get('cursor')
    if (cursor) {
      // Keyset: the bench hands out `created_at|id` of the row before the page.
      const [key, after] = cursor.split('|') as [string, string]
      return list(await sql`
        select *, ${total} from users
        where organization_id = ${org} and (created_at, id) > (${key}::text::timestamptz, ${after}::uuid)
        order by created_at, id limit ${count}`)
    }
    const offset = Number(url.searchParams.get('startIndex') ?? 1) - 1
    return list(await sql`
      select *, ${total} from users where organization_id = ${org}
      order by created_at, id limit ${count} offset ${offset}`)
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
