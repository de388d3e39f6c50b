// Line-oriented logs: one JSON object per line on stderr, level-filtered. Lines written
// while a request or an activity runs carry its context (requestId, organizationId;
// workflowId, runId) without each call site passing it: see withLogContext.
import { appendFileSync } from 'node:fs'
import { AsyncLocalStorage } from 'node:async_hooks'

type Level = 'debug' | 'info' | 'warn' | 'error'
const ORDER: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 }

/** `fields`: the context the line carries, instead of the current one (see withLogContext). */
export type Log = Record<Level, (msg: string, extra?: unknown, fields?: LogContext) => void>

/** Fields every line written in this context carries; set once, added to as they become known. */
export type LogContext = { requestId?: string; organizationId?: string; workflowId?: string; runId?: string; activity?: string }

const context = new AsyncLocalStorage<LogContext>()

/** Runs fn with `fields` on every line it (and what it awaits) logs. */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  return context.run({ ...fields }, fn)
}

/**
 * Starts a context for the rest of the current execution. Elysia's hooks cannot wrap the
 * handler, so the request hook enters the context instead; each request runs in its own
 * async chain, so it does not leak into the next one.
 */
export function enterLogContext(fields: LogContext): LogContext {
  const store = { ...fields }
  context.enterWith(store)
  return store
}

/** Adds what became known mid-way (the organization a token stands for). */
export function annotateLogContext(fields: LogContext): void {
  const store = context.getStore()
  if (store) Object.assign(store, fields)
}

/**
 * LOG_CAPTURE_FILE: every line at every level, whatever LOG_LEVEL, is also appended there.
 * `bun run test` sets it so its secret scan (dev/secret-scan.ts) reads what debug logging
 * would show an operator, not only the few lines the tests' error level lets through.
 */
const captureFile = process.env.LOG_CAPTURE_FILE || undefined

/** `write`: where shown lines go (stderr; a test's array). */
export function createLog(level: Level = 'info', write: (line: string) => void = (line) => process.stderr.write(line)): Log {
  const emit = (l: Level) => (msg: string, extra?: unknown, fields?: LogContext) => {
    const shown = ORDER[l] >= ORDER[level]
    if (!shown && !captureFile) return
    const detail = extra instanceof Error ? { error: extra.message, stack: extra.stack } : extra
    const line = JSON.stringify({ t: new Date().toISOString(), level: l, msg, ...(fields ?? context.getStore()), ...(detail === undefined ? {} : { detail }) }) + '\n'
    if (shown) write(line)
    if (captureFile) appendFileSync(captureFile, line)
  }
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') }
}
