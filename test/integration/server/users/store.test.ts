// server/users/store.ts directly: the set-based functions the Bridge uses, and the
// rules every writer shares (email derivation, versions, organization scope).
import { beforeAll, describe, expect, test } from 'bun:test'
import { validateResource } from '../../../../server/scim/validate'
import { USER } from '../../../../server/schema'
import { ChangeLog } from '../../../../server/events/outbox'
import { beginStaging, deactivateUsers } from '../../../../server/users/batch'
import * as Users from '../../../../server/users/store'
import { emailOf } from '../../../../server/users/model'
import { createOrg, migratedSql } from '../../../support'

let sql: Awaited<ReturnType<typeof migratedSql>>
let orgId: string
let otherOrg: string
const bridgeId = crypto.randomUUID()
const bridge = { source: 'bridge' as const, bridgeId }

beforeAll(async () => {
  sql = await migratedSql()
  const orgs = [{ id: await createOrg(sql, 'store-a') }, { id: await createOrg(sql, 'store-b') }]
  orgId = orgs[0]!.id
  otherOrg = orgs[1]!.id
})

const user = (userName: string, extra: Record<string, unknown> = {}) =>
  validateResource(USER, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName, ...extra }, 'create')

describe('emailOf', () => {
  test.each([
    [{ userName: 'u', emails: [{ value: 'B@x.io' }, { value: 'P@X.io', primary: true }] }, 'p@x.io'],
    [{ userName: 'u', emails: [{ value: 'First@x.io' }, { value: 'second@x.io' }] }, 'first@x.io'],
    [{ userName: 'Name@Example.com' }, 'name@example.com'],
    [{ userName: 'plain' }, null],
    [{ userName: 'u', emails: [{ type: 'work' }] }, null],
  ])('%j -> %p', (resource, email) => expect(emailOf(resource)).toBe(email))
})

describe('set-based writes', () => {
  test('deactivateUsers flips active ones only, within the organization, and stages one change each with its reason', async () => {
    const ids: string[] = []
    for (const i of [1, 2, 3]) ids.push((await Users.createUser(sql, orgId, user(`deact-${i}-${crypto.randomUUID()}@example.com`), bridge, new ChangeLog())).id)
    const reasons = ['missing', 'disabled', 'excluded'] as const
    const users = ids.map((id, i) => ({ id, userName: id, reason: reasons[i]! }))
    const staged = await sql.begin(async (tx) => {
      await beginStaging(tx)
      expect(await deactivateUsers(tx, orgId, bridgeId, users)).toBe(3)
      expect(await deactivateUsers(tx, orgId, bridgeId, users)).toBe(0) // already inactive: left alone
      expect(await deactivateUsers(tx, otherOrg, bridgeId, users)).toBe(0)
      return tx<{ type: string; userId: string; before: { active: boolean }; data: { active: boolean }; reason: string }[]>`
        select type, user_id, before, data, reason from staged_changes order by ord`
    })
    // One statement updates them in no particular order.
    const byUser = (a: unknown[], b: unknown[]) => String(a[1]).localeCompare(String(b[1]))
    expect(staged.map((c) => [c.type, c.userId, c.before.active, c.data.active, c.reason]).sort(byUser)).toEqual(
      ids.map((id, i) => ['user.updated', id, true, false, reasons[i]!]).sort(byUser),
    )
    const got = await Users.getUser(sql, orgId, ids[0]!)
    expect(got!.resource.active).toBe(false)
    expect(got!.version).toBe(2)
  })
})
