// Organizations and their SCIM configuration (one per organization).
import type { Tx } from '../db/client'
import { Conflict, NotFound } from '../errors'
import { TOKEN_CHANNEL, hashToken, newToken, tokensChanged } from './token'

export type Organization = { id: string; name: string; createdAt: Date }

export async function createOrganization(sql: Tx, name: string): Promise<Organization> {
  const [org] = await sql<Organization[]>`insert into organizations (name) values (${name}) returning id, name, created_at`
  return org!
}

/** What an organization list shows of each: is SCIM on, its active users, its bridges' states. */
export type OrganizationSummary = Organization & {
  scimEnabled: boolean
  activeUsers: number
  bridges: { id: string; provider: string; state: string }[]
}

/** A page of organizations by id; `only` narrows it to that one (a caller bound to it). */
export function listOrganizations(
  sql: Tx,
  { limit, after, only, nameContains }: { limit: number; after?: string; only?: string; nameContains?: string },
): Promise<OrganizationSummary[]> {
  const pattern = nameContains ? `%${nameContains.replace(/[\\%_]/g, '\\$&')}%` : undefined
  return sql<OrganizationSummary[]>`
    select o.id, o.name, o.created_at,
      exists (select 1 from scim_configurations c where c.organization_id = o.id) as scim_enabled,
      (select count(*)::int from users u where u.organization_id = o.id and u.active) as active_users,
      coalesce((
        select json_agg(json_build_object('id', b.id, 'provider', b.provider, 'state', b.state) order by b.created_at, b.id)
        from bridges b where b.organization_id = o.id
      ), '[]') as bridges
    from organizations o
    where true ${after ? sql`and o.id > ${after}` : sql``} ${only ? sql`and o.id = ${only}` : sql``}
      ${pattern ? sql`and o.name ilike ${pattern}` : sql``}
    order by o.id limit ${limit}`
}

/** The organization, or NotFound: every org-scoped admin route starts here. */
export async function getOrganization(sql: Tx, id: string): Promise<Organization> {
  const [org] = await sql<Organization[]>`select id, name, created_at from organizations where id = ${id}`
  if (!org) throw new NotFound(`organization ${id} does not exist`)
  return org
}

export type ScimConfiguration = { id: string; organizationId: string; createdAt: Date; rotatedAt: Date | null }

export async function createScimConfiguration(sql: Tx, orgId: string): Promise<ScimConfiguration & { token: string }> {
  const token = newToken()
  // Every token change notifies in the same statement (so at its commit): SCIM
  // processes drop their cached token lookups for the organization (server/scim/auth.ts).
  const [row] = await sql<ScimConfiguration[]>`
    with c as (
      insert into scim_configurations (organization_id, token_hash) values (${orgId}, ${hashToken(token)})
      on conflict (organization_id) do nothing
      returning id, organization_id, created_at, rotated_at
    )
    select c.id, c.organization_id, c.created_at, c.rotated_at from c, lateral (select pg_notify(${TOKEN_CHANNEL}, ${orgId}::text)) n`
  if (!row) throw new Conflict('this organization already has a SCIM configuration: rotate its token or delete it first')
  tokensChanged(sql, orgId)
  return { ...row, token }
}

export async function getScimConfiguration(sql: Tx, orgId: string): Promise<ScimConfiguration> {
  const [row] = await sql<ScimConfiguration[]>`
    select id, organization_id, created_at, rotated_at from scim_configurations where organization_id = ${orgId}`
  if (!row) throw new NotFound('this organization has no SCIM configuration: create one first')
  return row
}

/** Replaces the token hash: the old token fails from the next request on. */
export async function rotateScimToken(sql: Tx, orgId: string): Promise<{ token: string; rotatedAt: Date }> {
  const token = newToken()
  const [row] = await sql<{ rotatedAt: Date }[]>`
    with c as (
      update scim_configurations set token_hash = ${hashToken(token)}, rotated_at = now()
      where organization_id = ${orgId} returning rotated_at
    )
    select c.rotated_at from c, lateral (select pg_notify(${TOKEN_CHANNEL}, ${orgId}::text)) n`
  if (!row) throw new NotFound('this organization has no SCIM configuration: create one first')
  tokensChanged(sql, orgId)
  return { token, rotatedAt: row.rotatedAt }
}

export async function deleteScimConfiguration(sql: Tx, orgId: string): Promise<void> {
  const rows = await sql`
    with c as (delete from scim_configurations where organization_id = ${orgId} returning id)
    select c.id from c, lateral (select pg_notify(${TOKEN_CHANNEL}, ${orgId}::text)) n`
  if (!rows.length) throw new NotFound('this organization has no SCIM configuration')
  tokensChanged(sql, orgId)
}
