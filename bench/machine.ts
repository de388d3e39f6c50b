// The machine line the benchmarks print: their figures mean little without the CPUs, the
// versions and the load they ran under (other work often shares the machine).
import { cpus, loadavg, totalmem } from 'node:os'
import type { Sql } from '../server/db/client'

export async function machine(sql: Sql): Promise<string> {
  const cpuinfo = await Bun.file('/proc/cpuinfo').text().catch(() => '')
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? cpus()[0]?.model ?? 'unknown'
  const [{ version, fsync } = { version: '?', fsync: '?' }] = await sql<{ version: string; fsync: string }[]>`
    select current_setting('server_version') as version, current_setting('fsync') as fsync`
  const nproc = Bun.spawnSync(['nproc']).stdout.toString().trim()
  return `${nproc} CPUs (nproc), ${model}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM; Bun ${Bun.version}; PostgreSQL ${version} (fsync ${fsync})`
}

/** The 1, 5 and 15 minute load averages. */
export const loadAverage = () => loadavg().map((l) => l.toFixed(2)).join(' ')
