// A process that hits an error nobody catches is in a state nobody planned for: it says
// so in one JSON line (with the stack) and exits non-zero, and its supervisor (docker's
// restart policy, systemd, Kubernetes) starts a fresh one. Before exiting it gives its
// last words (the audit events still buffered) a moment to reach the database.
import type { Log } from './log'

const LAST_WORDS_MS = 1000
const lastWords: Array<() => Promise<unknown>> = []

/**
 * Registers something to do if the process dies, bounded by LAST_WORDS_MS in all. They run
 * last registered first: `serve`'s audit flush before `dev` stops the Postgres it writes to.
 */
export function onCrash(flush: () => Promise<unknown>): void {
  lastWords.push(flush)
}

export function exitOnUncaught(log: Log): void {
  let dying = false
  const die = (kind: string) => (err: unknown) => {
    if (dying) return
    dying = true
    log.error(`fatal: ${kind}; exiting so that the supervisor restarts the process`, err instanceof Error ? err : { error: String(err) })
    const done = [...lastWords].reverse().reduce<Promise<unknown>>((prev, f) => prev.then(f).catch(() => undefined), Promise.resolve())
    void Promise.race([done, Bun.sleep(LAST_WORDS_MS)]).then(() => process.exit(1))
  }
  process.on('uncaughtException', die('uncaught exception'))
  process.on('unhandledRejection', die('unhandled promise rejection'))
}
