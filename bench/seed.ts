// Set-based seeding for the SCIM benchmark: one INSERT ... SELECT over generate_series
// per organization, writing the columns the SCIM store writes for a created user
// (server/users/store.ts createUser): a lower-cased `email`, `emails` as a jsonb array
// of {value, type, primary}, version 1, source 'scim'.
import type { Sql } from '../server/db/client'

/** userName (and work email) of the i-th seeded user (1-based) of an organization. */
export const userNameOf = (prefix: string, i: number) => `${prefix}.${i}@example.com`

/**
 * Inserts `n` users. created_at rises by 1 ms per user (ending now), so the default
 * list order (created_at, id) is the seeding order and page k starts at user 100k+1.
 */
export async function seedUsers(sql: Sql, orgId: string, prefix: string, n: number): Promise<void> {
  await sql`
    insert into users (
      organization_id, external_id, user_name, display_name, name_given_name, name_family_name,
      title, department, active, email, emails, version, source, created_at, updated_at
    )
    select
      ${orgId}::uuid,
      'ext-' || i,
      ${prefix} || '.' || i || '@example.com',
      'User ' || i,
      'User',
      'Number ' || i,
      'Engineer',
      'R&D',
      true,
      lower(${prefix} || '.' || i || '@example.com'),
      jsonb_build_array(jsonb_build_object('value', ${prefix} || '.' || i || '@example.com', 'type', 'work', 'primary', true)),
      1,
      'scim',
      t,
      t
    from generate_series(1, ${n}::int) i, lateral (select now() - make_interval(secs => (${n}::int - i) / 1000.0) as t) ts`
}

/** Ids of `n` users of the organization, spread over it (a random sample). */
export async function sampleIds(sql: Sql, orgId: string, n: number): Promise<string[]> {
  const rows = await sql<{ id: string }[]>`
    select id from users where organization_id = ${orgId} order by random() limit ${n}`
  return rows.map((r) => r.id)
}

/** The (created_at as text, id) of the row at 1-based position `at` in the default order. */
export async function positionAt(sql: Sql, orgId: string, at: number): Promise<{ key: string; id: string }> {
  const [row] = await sql<{ key: string; id: string }[]>`
    select created_at::text as key, id from users where organization_id = ${orgId}
    order by created_at, id offset ${at - 1} limit 1`
  if (!row) throw new Error(`seed: the organization has fewer than ${at} users`)
  return row
}
