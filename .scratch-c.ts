import { scimApp, tenant, userBody } from './test/integration/scim/helpers'
import { selectPage } from './server/scim/page'
import { USER } from './server/scim/schema'
const { app, sql } = await scimApp()
const { scim, orgId } = await tenant(app)
for (let i = 0; i < 4; i++) await scim('POST', '/Users', userBody())
const all = await sql`select id, created_at::text as k from users where organization_id = ${orgId} order by created_at, id`
console.log(all.map(r => r.id))
const p = await selectPage(sql, USER, orgId, { count: 2, startIndex: 1, after: { key: all[1]!.k, id: all[1]!.id } }, sql`users.id`)
console.log(p)
const debug = await sql`select id from users where organization_id = ${orgId} and ((created_at, id) > (${all[1]!.k}::timestamptz, ${all[1]!.id}::uuid) or created_at is null) order by created_at, id`
console.log(debug.map(r => r.id))
process.exit(0)
