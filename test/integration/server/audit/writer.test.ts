import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import postgres from 'postgres'
import { AuditBuffer, insertEvents, InvalidAuditEvent, REDACTED, type AuditEvent } from '../../../../server/audit'
import { CAMEL_COLUMNS, connect, type Sql } from '../../../../server/db/client'
import { createOrg, migratedSql } from '../../../support'
import { tcpProxy } from '../../../fixtures/tcp-proxy'
import { captureLog, countEvents, event } from './helpers'

let sql: Sql
beforeAll(async () => {
  sql = await migratedSql()
})

describe('AuditBuffer', () => {
  // A connection of our own that records the INSERT statements it sends.
  let counted: Sql
  const inserts: string[] = []
  beforeAll(() => {
    counted = postgres(process.env.DATABASE_URL!, {
      max: 2,
      transform: CAMEL_COLUMNS,
      onnotice: () => {},
      debug: (_conn, query) => {
        if (/^\s*insert into scim_events/i.test(query)) inserts.push(query)
      },
    })
  })
  afterAll(() => counted.end())

  test('writes in batches of maxBatch, each with statements of a few fixed row counts', async () => {
    const orgId = await createOrg(sql)
    const buffer = new AuditBuffer(counted, captureLog(), { flushMs: 60_000, maxBatch: 10 })
    inserts.length = 0
    for (let i = 0; i < 25; i++) buffer.push(event(orgId, { path: `/Users/${i}` }))
    await buffer.flush()
    // 10 + 10 + 5 in 5-row statements (ladder 1000/100/20/5/1): one statement text for
    // Postgres to plan, not one per batch size.
    expect(inserts.length).toBe(5)
    expect(new Set(inserts).size).toBe(1)
    expect(buffer.stats).toEqual({ written: 25, failed: 0, dropped: 0 })
    expect(await countEvents(sql, orgId)).toBe(25)
  })

  test('flushes on its own after flushMs', async () => {
    const orgId = await createOrg(sql)
    const buffer = new AuditBuffer(sql, captureLog(), { flushMs: 20 })
    buffer.push(event(orgId))
    buffer.push(event(orgId))
    for (let i = 0; i < 300 && buffer.stats.written < 2; i++) await Bun.sleep(10)
    expect(buffer.stats.written).toBe(2)
    expect(await countEvents(sql, orgId)).toBe(2)
  })

  test('a full batch flushes without waiting for the timer', async () => {
    const orgId = await createOrg(sql)
    const buffer = new AuditBuffer(sql, captureLog(), { flushMs: 60_000, maxBatch: 5 })
    for (let i = 0; i < 5; i++) buffer.push(event(orgId))
    for (let i = 0; i < 300 && buffer.stats.written < 5; i++) await Bun.sleep(10)
    expect(buffer.stats.written).toBe(5)
  })

  test('an event of a missing organization fails alone, is counted and logged; the rest is written', async () => {
    const orgId = await createOrg(sql)
    const gone = crypto.randomUUID()
    const log = captureLog()
    const buffer = new AuditBuffer(sql, log, { flushMs: 60_000, maxBatch: 4 })
    // Batch 1: two good events and one whose organization does not exist (FK failure).
    buffer.push(event(orgId, { path: '/a' }))
    buffer.push(event(gone, { path: '/lost' }))
    // Upper-case ids are the same organization.
    buffer.push(event(orgId.toUpperCase(), { path: '/b' }))
    await buffer.flush()
    // Batch 2: unaffected.
    buffer.push(event(orgId, { path: '/c' }))
    await buffer.flush()
    expect(buffer.stats).toEqual({ written: 3, failed: 1, dropped: 0 })
    const paths = await sql<{ path: string }[]>`select path from scim_events where organization_id = ${orgId} order by path`
    expect(paths.map((p) => p.path)).toEqual(['/a', '/b', '/c'])
    expect(log.lines.some((l) => l.level === 'warn' && l.msg.includes('retrying once'))).toBe(true)
    const lost = log.lines.find((l) => l.level === 'error' && l.msg === 'audit: events could not be written')
    expect(lost?.detail).toMatchObject({ count: 1, events: [{ organizationId: gone, path: '/lost' }] })
  })

  test('while the database is away, events wait in memory, in order, and are written once it is back', async () => {
    const orgId = await createOrg(sql)
    const target = new URL(process.env.DATABASE_URL!)
    const proxy = tcpProxy({ hostname: target.hostname, port: Number(target.port) })
    const viaProxy = new URL(target)
    viaProxy.port = String(proxy.port)
    const flaky = connect(viaProxy.toString(), 1)
    const log = captureLog()
    const buffer = new AuditBuffer(flaky, log, { flushMs: 10, outageRetryMs: 20 })
    try {
      buffer.push(event(orgId, { path: '/before' }))
      await buffer.flush()
      proxy.cut()
      for (let i = 0; i < 5; i++) buffer.push(event(orgId, { path: `/during/${i}` }))
      await buffer.flush()
      expect(buffer.pending).toBe(5)
      expect(buffer.stats).toEqual({ written: 1, failed: 0, dropped: 0 })
      expect(log.lines.map((l) => l.msg)).toContain('audit: the database cannot be reached; keeping events in memory until it is back')
      // Several retries fail while it is away; nothing is given up.
      await Bun.sleep(200)
      expect(buffer.pending).toBe(5)
      proxy.restore()
      for (let i = 0; i < 300 && buffer.pending; i++) await Bun.sleep(20)
      expect(buffer.stats).toEqual({ written: 6, failed: 0, dropped: 0 })
      const paths = await sql<{ path: string }[]>`select path from scim_events where organization_id = ${orgId} order by id`
      expect(paths.map((p) => p.path)).toEqual(['/before', '/during/0', '/during/1', '/during/2', '/during/3', '/during/4'])
      expect(log.lines.map((l) => l.msg)).toContain('audit: the database is back; writing the events kept meanwhile')
    } finally {
      await flaky.end({ timeout: 1 })
      proxy.stop()
    }
  })

  test('a database that stays down: close() tries until its timeout, then gives the events up, counted and logged; push and flush never throw', async () => {
    const down = connect('postgres://nobody@127.0.0.1:1/none', 1)
    const log = captureLog()
    const buffer = new AuditBuffer(down, log, { flushMs: 60_000, outageRetryMs: 10 })
    buffer.push(event(crypto.randomUUID()))
    buffer.push(event(crypto.randomUUID()))
    await buffer.flush()
    expect(buffer.stats).toEqual({ written: 0, failed: 0, dropped: 0 })
    expect(buffer.pending).toBe(2)
    const started = Date.now()
    await buffer.close(300)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect(buffer.stats).toEqual({ written: 0, failed: 0, dropped: 2 })
    const dropped = log.lines.filter((l) => l.level === 'error' && l.msg === 'audit: events dropped')
    expect(dropped.reduce((n, l) => n + (l.detail as { count: number }).count, 0)).toBe(2)
    await down.end({ timeout: 0 })
  })

  test('an invalid event is refused at push, counted and logged, without throwing', async () => {
    const orgId = await createOrg(sql)
    const log = captureLog()
    const buffer = new AuditBuffer(sql, log, { flushMs: 60_000 })
    expect(() => buffer.push(event('not-a-uuid'))).not.toThrow()
    expect(() => buffer.push(event(orgId, { status: 200.5 }))).not.toThrow()
    expect(() => buffer.push(event(orgId, { createdAt: new Date('nope') }))).not.toThrow()
    expect(() => buffer.push(null as unknown as AuditEvent)).not.toThrow()
    buffer.push(event(orgId))
    await buffer.flush()
    expect(buffer.stats).toEqual({ written: 1, failed: 4, dropped: 0 })
    expect(log.lines.filter((l) => l.msg === 'audit: event could not be recorded')).toHaveLength(4)
  })

  test('close() flushes what is left; later events are dropped and counted', async () => {
    const orgId = await createOrg(sql)
    const log = captureLog()
    const buffer = new AuditBuffer(sql, log, { flushMs: 60_000 })
    for (let i = 0; i < 7; i++) buffer.push(event(orgId))
    await buffer.close()
    expect(await countEvents(sql, orgId)).toBe(7)
    buffer.push(event(orgId))
    expect(buffer.stats).toEqual({ written: 7, failed: 0, dropped: 1 })
    expect(log.lines.find((l) => l.msg === 'audit: events dropped')?.detail).toMatchObject({ count: 1, reason: 'event pushed after close()' })
  })

  test('a full queue drops the oldest events, counts and logs them', async () => {
    const orgId = await createOrg(sql)
    const log = captureLog()
    const buffer = new AuditBuffer(sql, log, { flushMs: 60_000, maxQueue: 5 })
    for (let i = 0; i < 8; i++) buffer.push(event(orgId, { path: `/e${i}` }))
    expect(buffer.stats.dropped).toBe(3)
    await buffer.flush()
    const paths = await sql<{ path: string }[]>`select path from scim_events where organization_id = ${orgId} order by path`
    expect(paths.map((p) => p.path)).toEqual(['/e3', '/e4', '/e5', '/e6', '/e7'])
    const overflow = log.lines.filter((l) => l.msg.startsWith('audit: the queue was full'))
    expect(overflow).toHaveLength(1)
    expect(overflow[0]!.detail).toMatchObject({ count: 3, maxQueue: 5, events: [{ path: '/e0' }, { path: '/e1' }, { path: '/e2' }] })
  })

  test('concurrent pushes and flushes lose nothing and write nothing twice', async () => {
    const orgId = await createOrg(sql)
    const buffer = new AuditBuffer(sql, captureLog(), { flushMs: 1, maxBatch: 7 })
    const flushes: Promise<void>[] = []
    for (let i = 0; i < 300; i++) {
      buffer.push(event(orgId, { path: `/n/${i}` }))
      if (i % 13 === 0) flushes.push(buffer.flush())
      if (i % 50 === 0) await Bun.sleep(1)
    }
    await Promise.all(flushes)
    await buffer.flush()
    const [row] = await sql<{ n: number; distinct: number }[]>`
      select count(*)::int as n, count(distinct path)::int as distinct from scim_events where organization_id = ${orgId}`
    expect(row).toEqual({ n: 300, distinct: 300 })
    expect(buffer.stats.written).toBe(300)
  })

  test('stores redacted, capped bodies and text without NUL bytes', async () => {
    const orgId = await createOrg(sql)
    const buffer = new AuditBuffer(sql, captureLog(), { flushMs: 60_000, maxBodyBytes: 300 })
    buffer.push(
      event(orgId, {
        method: 'post',
        path: '/Users?access_token=abc\u0000',
        status: 201,
        requestBody: { userName: 'bjensen', password: 'hunter2', groups: [] },
        responseBody: { big: 'x'.repeat(5000) },
        userAgent: 'Okta\u0000SCIM',
        error: 'upstream said Bearer abcdef',
        userId: 'not-a-uuid',
      }),
    )
    await buffer.flush()
    const [row] = await sql`select * from scim_events where organization_id = ${orgId}`
    expect(row).toMatchObject({
      method: 'POST',
      path: `/Users?access_token=${REDACTED}`,
      status: 201,
      requestBody: JSON.stringify({ userName: 'bjensen', password: REDACTED, groups: [] }),
      userAgent: 'Okta\uFFFDSCIM',
      error: `upstream said Bearer ${REDACTED}`,
      userId: null,
    })
    expect(Buffer.byteLength(row!.responseBody)).toBeLessThanOrEqual(300)
    expect(row!.responseBody).toMatch(/…\[truncated \d+ bytes\]$/)
  })

  test('bodies keep every character: tabs, newlines, backslashes, a literal \\N, unicode', async () => {
    const orgId = await createOrg(sql)
    const buffer = new AuditBuffer(sql, captureLog(), { flushMs: 60_000 })
    const nasty = 'a\tb\nc\r\nd\\e \\N \\\\N end\\ é 😀 "q"'
    const createdAt = new Date('2026-01-02T03:04:05.678Z')
    buffer.push(event(orgId, { path: `/Users?x=${nasty}`, requestBody: nasty, responseBody: { nasty }, userAgent: nasty, error: nasty, userName: '\\N', durationMs: 1.25, createdAt }))
    buffer.push(event(orgId, { path: '/Users', userName: null, userAgent: null, error: null, durationMs: null }))
    await buffer.flush()
    expect(buffer.stats).toEqual({ written: 2, failed: 0, dropped: 0 })
    const [row, empty] = await sql`select * from scim_events where organization_id = ${orgId} order by id`
    expect(row).toMatchObject({
      path: `/Users?x=${nasty}`,
      requestBody: nasty,
      responseBody: JSON.stringify({ nasty }),
      userAgent: nasty,
      error: nasty,
      userName: '\\N',
      durationMs: 1.25,
      createdAt,
    })
    expect(empty).toMatchObject({ userName: null, userAgent: null, error: null, durationMs: null, requestBody: null })
  })
})

describe('insertEvents', () => {
  test('commits and rolls back with the caller’s transaction', async () => {
    const orgId = await createOrg(sql)
    const failed = await sql
      .begin(async (tx) => {
        await insertEvents(tx, [event(orgId, { source: 'bridge', method: 'SYNC', path: '/bridges/x' })])
        throw new Error('the change failed')
      })
      .then(() => null, (e: Error) => e.message)
    expect(failed).toBe('the change failed') // the insert itself went through; the change after it failed
    expect(await countEvents(sql, orgId)).toBe(0)
    await sql.begin((tx) => insertEvents(tx, [event(orgId, { source: 'bridge', method: 'SYNC', path: '/bridges/x' })]))
    expect(await countEvents(sql, orgId)).toBe(1)
  })

  test('more events than one statement holds are written in chunks', async () => {
    const orgId = await createOrg(sql)
    const createdAt = new Date()
    await insertEvents(sql, Array.from({ length: 2_345 }, (_, i) => event(orgId, { path: `/p/${i}`, createdAt })))
    expect(await countEvents(sql, orgId)).toBe(2_345)
  })

  test('an invalid event throws before anything is written', async () => {
    const orgId = await createOrg(sql)
    await expect(insertEvents(sql, [event(orgId), event('nope')])).rejects.toBeInstanceOf(InvalidAuditEvent)
    expect(await countEvents(sql, orgId)).toBe(0)
  })
})
