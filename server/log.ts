// Line-oriented logs: one JSON object per line on stderr, level-filtered.
type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

export type Log = Record<Level, (msg: string, extra?: unknown) => void>

export function createLog(level: Level = 'info'): Log {
  const emit = (l: Level) => (msg: string, extra?: unknown) => {
    if (ORDER[l] < ORDER[level]) return
    const detail = extra instanceof Error ? { error: extra.message, stack: extra.stack } : extra
    process.stderr.write(JSON.stringify({ t: new Date().toISOString(), level: l, msg, ...(detail === undefined ? {} : { detail }) }) + '\n')
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
