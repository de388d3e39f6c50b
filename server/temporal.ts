// The Temporal client used by the HTTP server (admin actions on bridge workflows).
import { Client, Connection, type ConnectionLike, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client'
import { temporal as proto } from '@temporalio/proto'
import type { Config } from './config'
import { Conflict, Unavailable } from './errors'

export type Temporal = { client: Client; connection: Connection; close(): Promise<void> }

export async function connectTemporal(config: Pick<Config, 'TEMPORAL_ADDRESS' | 'TEMPORAL_NAMESPACE'>): Promise<Temporal> {
  const address = config.TEMPORAL_ADDRESS
  if (!address) throw new Error('temporal: TEMPORAL_ADDRESS is not set. Point it at a Temporal frontend (host:7233), or use `bun run dev`.')
  let connection: Connection
  try {
    connection = await Connection.connect({ address, connectTimeout: '5s' })
    await connection.workflowService.getSystemInfo({})
  } catch (e) {
    throw new Error(`temporal: cannot reach ${address}: ${firstLine(e)}. Check TEMPORAL_ADDRESS and that the server is running.`)
  }
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE })
  return { client, connection, close: () => connection.close() }
}

export function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!
}

/**
 * Registers Keyword search attributes (ours: bridge/search-attributes.ts) when the
 * namespace lacks them, so any Temporal cluster works without a manual `temporal
 * operator` step. Idempotent; returns the names it added.
 */
export async function ensureSearchAttributes(connection: Pick<ConnectionLike, 'operatorService'>, namespace: string, names: readonly string[]): Promise<string[]> {
  const have = await connection.operatorService.listSearchAttributes({ namespace })
  const missing = names.filter((n) => !(n in (have.customAttributes ?? {})))
  if (!missing.length) return []
  const keyword = proto.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD
  await connection.operatorService.addSearchAttributes({
    namespace,
    searchAttributes: Object.fromEntries(missing.map((n) => [n, keyword])),
  })
  return missing
}

/** Starts a worker makes at once to ensure every row's workflow (Temporal's frontend takes these in parallel gladly). */
export const STARTS_IN_FLIGHT = 16

/**
 * Runs `start` for every row, STARTS_IN_FLIGHT at a time: a worker with thousands of
 * bridges and endpoints must not wait out thousands of round trips one after another.
 * The first failure is thrown (the starts are idempotent: the next worker start retries).
 */
export async function startAll<R>(rows: readonly R[], start: (row: R) => Promise<void>): Promise<number> {
  let next = 0
  const lane = async () => {
    while (next < rows.length) await start(rows[next++]!)
  }
  await Promise.all(Array.from({ length: Math.min(STARTS_IN_FLIGHT, rows.length) }, lane))
  return rows.length
}

/**
 * Runs `act` on a workflow the server keeps one of per row (a bridge's, a webhook
 * endpoint's). One that is gone (terminated by hand) is started again from the row first.
 * An Update its validator refused is a Conflict; Temporal not answering is Unavailable.
 */
export async function onWorkflow<T>(act: () => Promise<T>, restart: () => Promise<void>): Promise<T> {
  try {
    try {
      return await act()
    } catch (e) {
      if (!(e instanceof WorkflowNotFoundError)) throw e
      await restart()
      return await act()
    }
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError) throw new Conflict(e.cause?.message ?? e.message)
    throw temporalUnavailable(e)
  }
}

/** `e` as the admin API should see it: our own errors pass, anything else is Temporal not answering. */
export function temporalUnavailable(e: unknown): Error {
  if (e instanceof Unavailable || e instanceof Conflict) return e
  return new Unavailable('temporal', `Temporal did not answer: ${firstLine(e)}; check TEMPORAL_ADDRESS and that the server is running`)
}
