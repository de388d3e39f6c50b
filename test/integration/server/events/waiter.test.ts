// Waiting for an organization's next event: one statement per poll for every waiter of a
// process, a wake as soon as the organization's sequence moves, and nothing else.
import { expect, test } from 'bun:test'
import type { Tx } from '../../../../server/db/client'
import { EventWaiter } from '../../../../server/events/waiter'
import { createOrg, migratedSql } from '../../../support'

const sql = await migratedSql() // the suite's shared pool: never ended here

/** The pool, counting the statements sent through it. */
function counting(): { sql: Tx; statements: () => number } {
  let n = 0
  const wrapped = ((...args: Parameters<Tx>) => {
    n++
    return (sql as unknown as (...a: Parameters<Tx>) => unknown)(...args)
  }) as unknown as Tx
  return { sql: wrapped, statements: () => n }
}

const bump = (orgId: string, to: number) => sql`
  insert into event_sequences (organization_id, last_seq) values (${orgId}, ${to})
  on conflict (organization_id) do update set last_seq = ${to}`

test("forty idle waiters cost one statement per poll between them, and each wakes with its organization's last number", async () => {
  const { sql: wrapped, statements } = counting()
  const waiter = new EventWaiter(wrapped, 50)
  const orgs = await Promise.all(Array.from({ length: 40 }, () => createOrg(sql)))
  for (const org of orgs) await bump(org, 5)

  const waits = orgs.map((org) => waiter.until(org, 5, 10_000))
  await Bun.sleep(1000)
  expect(waiter.waiting).toBe(40)
  // ~20 polls in a second; a query per waiter per poll would be ~800.
  expect(statements()).toBeGreaterThanOrEqual(5)
  expect(statements()).toBeLessThanOrEqual(25)

  await bump(orgs[7]!, 9)
  expect(await waits[7]).toBe(9n)
  expect(waiter.waiting).toBe(39)
  for (const org of orgs) await bump(org, 6)
  expect(await Promise.all(waits)).toEqual(orgs.map((_, i) => (i === 7 ? 9n : 6n)))
  expect(waiter.waiting).toBe(0)
  // Nobody waits: the loop stops.
  const after = statements()
  await Bun.sleep(300)
  expect(statements()).toBe(after)
})

test('a waiter already behind wakes at the next poll; one that times out or is aborted gets null', async () => {
  const waiter = new EventWaiter(sql, 20)
  const org = await createOrg(sql)
  await bump(org, 3)
  expect(await waiter.until(org, 1, 5000)).toBe(3n)
  // An organization without any event yet has no counter row: nothing to wake for.
  const quiet = await createOrg(sql)
  const started = performance.now()
  expect(await waiter.until(quiet, 0, 200)).toBeNull()
  expect(performance.now() - started).toBeGreaterThanOrEqual(190)

  const abort = new AbortController()
  const pending = waiter.until(org, 3, 10_000, abort.signal)
  setTimeout(() => abort.abort(), 50)
  expect(await pending).toBeNull()
  expect(await waiter.until(org, 3, 10_000, abort.signal)).toBeNull() // aborted before it starts
  expect(waiter.waiting).toBe(0)
})

test('a database that fails the poll wakes nobody and stops nothing: the next poll that works does', async () => {
  let failing = true
  const flaky = ((...args: Parameters<Tx>) => (failing ? Promise.reject(new Error('connection refused')) : (sql as unknown as (...a: Parameters<Tx>) => unknown)(...args))) as unknown as Tx
  const waiter = new EventWaiter(flaky, 20)
  const org = await createOrg(sql)
  await bump(org, 2)
  const woken = waiter.until(org, 1, 5000)
  await Bun.sleep(200)
  expect(waiter.waiting).toBe(1)
  failing = false
  expect(await woken).toBe(2n)
})
