// A process that hits an error nobody catches is in a state nobody planned for: it says
// so in one JSON line (with the stack) and exits non-zero, and its supervisor (docker's
// restart policy, systemd, Kubernetes) starts a fresh one. Before exiting it gives its
// last words (the audit events still buffered) a moment to reach the database.
import type { Log } from './log'

const LAST_WORDS_MS = 1000
const lastWords: Array<() => Promise<unknown>> = []

/** Registers something to flush if the process dies (bounded by LAST_WORDS_MS in all). */
export function onCrash(flush: () => Promise<unknown>): void {
  lastWords.push(flush)
}

export function exitOnUncaught(log: Log, exit: (code: number) => void = (code) => process.exit(code)): void {
  let dying = false
  const die = (kind: string) => (err: unknown) => {
    if (dying) return
    dying = true
    log.error(`fatal: ${kind}; exiting so that the supervisor restarts the process`, err instanceof Error ? err : { error: String(err) })
    const flushed = Promise.allSettled(lastWords.map((f) => f()))
    void Promise.race([flushed, Bun.sleep(LAST_WORDS_MS)]).then(() => exit(1))
  }
  process.on('uncaughtException', die('uncaught exception'))
  process.on('unhandledRejection', die('unhandled promise rejection'))
}
