// The Temporal client used by the HTTP server (admin actions on bridge workflows).
import { Client, Connection } from '@temporalio/client'
import type { Config } from './config'

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
