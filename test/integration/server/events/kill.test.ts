// No change without its event and no event without its change, even when the process
// dies mid-write: a real `serve` takes SCIM creates, updates and group changes from
// many clients and is killed (SIGKILL) while they are in flight.
import { expect, test } from 'bun:test'
import { freePort, ROOT } from '../../../../dev/services'
import { ADMIN_TOKEN, migratedSql } from '../../../support'
import { GROUP_SCHEMA, patchBody, userBody } from '../scim/helpers'

test('a killed serve leaves every committed change with its event, and no event without its change', async () => {
  const sql = await migratedSql()
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const env = { PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: base, ADMIN_TOKEN, LOG_LEVEL: 'error', SCIM_RATE_LIMIT_PER_MINUTE: '0' }
  const serve = Bun.spawn(['bun', 'server/main.ts', 'serve'], { cwd: ROOT, env: { ...process.env, ...env }, stdout: 'ignore', stderr: 'ignore' })
  try {
    for (let i = 0; i < 300 && !(await fetch(`${base}/readyz`).then((r) => r.ok, () => false)); i++) await Bun.sleep(100)
    const adminCall = (method: string, path: string) =>
      fetch(`${base}/api/admin/v1${path}`, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: method === 'POST' ? JSON.stringify({ name: 'kill' }) : undefined }).then((r) => r.json() as Promise<any>)
    const org = await adminCall('POST', '/organizations')
    const { token } = await adminCall('POST', `/organizations/${org.id}/scim-configuration`)
    const scim = (method: string, path: string, body?: unknown) =>
      fetch(`${base}/api/connect/v1/scim/2.0${path}`, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => null)) as any }))

    const group = await scim('POST', '/Groups', { schemas: [GROUP_SCHEMA], displayName: 'all' })
    let acknowledged = 0
    const clients = Array.from({ length: 12 }, async (_, c) => {
      for (let i = 0; ; i++) {
        const created = await scim('POST', '/Users', userBody(`kill-${c}-${i}-${crypto.randomUUID()}@example.com`)).catch(() => null)
        if (!created || created.status !== 201) return
        acknowledged++
        await scim('PATCH', `/Users/${created.body.id}`, patchBody({ op: 'replace', path: 'title', value: `t${i}` })).catch(() => null)
        await scim('PATCH', `/Groups/${group.body.id}`, patchBody({ op: 'add', path: 'members', value: [{ value: created.body.id }] })).catch(() => null)
      }
    })
    // Kill once writes are flowing, whatever is in flight.
    while (acknowledged < 60) await Bun.sleep(10)
    serve.kill('SIGKILL')
    await serve.exited
    await Promise.all(clients)

    const [counts] = await sql<{ users: number; created: number; updatedUsers: number; titled: number; members: number; added: number; orphans: number }[]>`
      select
        (select count(*)::int from users where organization_id = ${org.id}) as users,
        (select count(*)::int from directory_events where organization_id = ${org.id} and type = 'user.created') as created,
        (select count(*)::int from users where organization_id = ${org.id} and title is not null) as titled,
        (select count(distinct user_id)::int from directory_events where organization_id = ${org.id} and type = 'user.updated') as updated_users,
        (select count(*)::int from group_members where organization_id = ${org.id}) as members,
        (select count(*)::int from directory_events where organization_id = ${org.id} and type = 'group.member_added') as added,
        (select count(*)::int from directory_events e where organization_id = ${org.id} and type = 'user.created'
           and not exists (select from users u where u.organization_id = e.organization_id and u.id = e.user_id)) as orphans`
    expect(counts!.users).toBeGreaterThanOrEqual(acknowledged)
    expect(counts!.created).toBe(counts!.users)
    expect(counts!.updatedUsers).toBe(counts!.titled)
    expect(counts!.added).toBe(counts!.members)
    expect(counts!.orphans).toBe(0)
    // The numbers are 1..n: nothing half-written left a gap.
    const [seqs] = await sql<{ n: number; max: number }[]>`select count(*)::int as n, max(seq)::int as max from directory_events where organization_id = ${org.id}`
    expect(seqs!.max).toBe(seqs!.n)
  } finally {
    serve.kill('SIGKILL')
  }
}, 90_000)
