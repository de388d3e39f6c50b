// The console's building blocks. Everything renders through JSX, which escapes text:
// userNames and IdP error messages are attacker-controlled, and nothing here ever sets
// raw HTML.
import { type ComponentChildren, Fragment } from 'preact'
import { useCallback, useEffect, useRef, useState } from 'preact/hooks'
import { ApiFailure } from './api'
import { relative, timestamp } from './format'
import { navigate } from './router'

export function Link({ href, children, class: cls, title }: { href: string; children: ComponentChildren; class?: string; title?: string }) {
  return (
    <a
      href={href}
      class={cls}
      title={title}
      onClick={(e) => {
        if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
        e.preventDefault()
        navigate(href)
      }}
    >
      {children}
    </a>
  )
}

export type Loaded<T> = { data?: T; error?: Error; loading: boolean; reload: () => void }

/** Runs `load` now and whenever `deps` change; `reload()` runs it again (after an action). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[], options: { every?: number } = {}): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Error; loading: boolean }>({ loading: true })
  const [tick, setTick] = useState(0)
  const reload = useCallback(() => setTick((n) => n + 1), [])
  useEffect(() => {
    let live = true
    setState((s) => ({ ...s, loading: true }))
    load().then(
      (data) => live && setState({ data, loading: false }),
      (error: Error) => live && setState((s) => ({ data: s.data, error, loading: false })),
    )
    return () => {
      live = false
    }
  }, [...deps, tick])
  // Pages that show moving state (a syncing bridge) refresh themselves.
  useEffect(() => {
    if (!options.every) return
    const t = setInterval(reload, options.every)
    return () => clearInterval(t)
  }, [options.every])
  return { ...state, reload }
}

/** The page's data, or its loading / failure state. */
export function Show<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.data !== undefined) return <>{loaded.error && <Failure error={loaded.error} />}{children(loaded.data)}</>
  if (loaded.error) return <Failure error={loaded.error} />
  return <p class="muted" aria-busy="true">Loading…</p>
}

export function Failure({ error }: { error: Error | string }) {
  const message = typeof error === 'string' ? error : error.message
  const status = error instanceof ApiFailure && error.status ? ` (${error.status})` : ''
  return (
    <div class="banner error" role="alert">
      <strong>Error{status}:</strong> {message}
    </div>
  )
}

const STATES: Record<string, { icon: string; tone: string }> = {
  active: { icon: '●', tone: 'ok' },
  syncing: { icon: '↻', tone: 'info' },
  pending: { icon: '○', tone: 'info' },
  paused: { icon: '❚❚', tone: 'muted' },
  failed: { icon: '▲', tone: 'warn' },
  disabled: { icon: '■', tone: 'bad' },
  enabled: { icon: '●', tone: 'ok' },
  on: { icon: '●', tone: 'ok' },
  off: { icon: '○', tone: 'muted' },
  inactive: { icon: '○', tone: 'muted' },
  succeeded: { icon: '✓', tone: 'ok' },
  refused: { icon: '■', tone: 'bad' },
  cancelled: { icon: '○', tone: 'muted' },
  running: { icon: '↻', tone: 'info' },
  delivered: { icon: '✓', tone: 'ok' },
  revoked: { icon: '■', tone: 'bad' },
}

/** A state as a word with a shape: readable without colour. */
export function Badge({ state, label }: { state: string; label?: string }) {
  const s = STATES[state] ?? { icon: '•', tone: 'muted' }
  return (
    <span class={`badge ${s.tone}`} data-state={state}>
      <span aria-hidden="true">{s.icon}</span> {label ?? state}
    </span>
  )
}

export function When({ at }: { at: string | Date | null | undefined }) {
  return <time dateTime={at ? new Date(at).toISOString() : undefined} title={timestamp(at)}>{relative(at)}</time>
}

export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null)
  return (
    <button
      type="button"
      class="secondary small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text)
          setCopied('yes')
        } catch {
          setCopied('no')
        }
        setTimeout(() => setCopied(null), 2000)
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'no' ? 'Select and copy it' : label}
    </button>
  )
}

/** A secret the server shows once: the value, a copy button, and why it matters. */
export function SecretOnce({ title, value, children }: { title: string; value: string; children?: ComponentChildren }) {
  return (
    <div class="banner secret" role="status">
      <strong>{title}</strong>
      <p>Copy it now: it is shown once and cannot be read again. {children}</p>
      <div class="copy-row">
        <code class="secret-value" data-testid="secret">{value}</code>
        <CopyButton text={value} />
      </div>
    </div>
  )
}

/**
 * An async task a button or a form starts: whether it is running, and how it failed (kept
 * until it starts again) for the caller to show in place.
 */
export function useTask(run: () => Promise<unknown>) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<Error>()
  const start = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await run()
    } catch (e) {
      setError(e as Error)
    } finally {
      setBusy(false)
    }
  }
  /** A form's onSubmit: the task instead of the browser's submit. */
  const submit = (e: Event) => {
    e.preventDefault()
    start()
  }
  return { busy, error, start, submit }
}

/**
 * A button that runs an async action, shows it is busy and shows its failure in place.
 * `confirm` asks first, in a dialog that says what the action does.
 */
export function Action({
  run,
  children,
  disabled,
  why,
  danger,
  confirm,
}: {
  run: () => Promise<unknown>
  children: ComponentChildren
  disabled?: boolean
  /** Why it is disabled (a tooltip and a screen-reader description). */
  why?: string
  danger?: boolean
  confirm?: { title: string; body: ComponentChildren; yes: string }
}) {
  const { busy, error, start: go } = useTask(run)
  const dialog = useRef<HTMLDialogElement>(null)
  return (
    <span class="action">
      <button type="button" class={danger ? 'danger' : undefined} disabled={disabled || busy} title={disabled ? why : undefined} onClick={() => (confirm ? dialog.current?.showModal() : go())}>
        {busy ? '…' : children}
      </button>
      {confirm && (
        <dialog ref={dialog} aria-label={confirm.title}>
          <h3>{confirm.title}</h3>
          <div>{confirm.body}</div>
          <form method="dialog" class="row">
            <button value="cancel" class="secondary">Cancel</button>
            <button
              value="yes"
              class={danger ? 'danger' : undefined}
              onClick={(e) => {
                e.preventDefault()
                dialog.current?.close()
                go()
              }}
            >
              {confirm.yes}
            </button>
          </form>
        </dialog>
      )}
      {error && <Failure error={error} />}
    </span>
  )
}

/** A labelled input; `error` is what the API said about this field. */
export function Field({ label, help, error, children }: { label: string; help?: ComponentChildren; error?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="label">{label}</span>
      {children}
      {error && <span class="field-error" role="alert">{error}</span>}
      {help && <small class="help">{help}</small>}
    </label>
  )
}

/** "Next page" for cursor paging; the caller keeps the cursor stack for "Previous". */
export function Pager({ hasPrevious, next, onPrevious, onNext }: { hasPrevious: boolean; next: string | null | undefined; onPrevious: () => void; onNext: (cursor: string) => void }) {
  if (!hasPrevious && !next) return null
  return (
    <nav class="pager" aria-label="pages">
      <button type="button" class="secondary" disabled={!hasPrevious} onClick={onPrevious}>
        ← Previous
      </button>
      <button type="button" class="secondary" disabled={!next} onClick={() => next && onNext(next)}>
        Next →
      </button>
    </nav>
  )
}

/** Cursor paging state: the cursors of the pages before this one. */
export function useCursor(resetOn: unknown[]) {
  const [stack, setStack] = useState<string[]>([])
  useEffect(() => setStack([]), resetOn)
  return {
    cursor: stack.at(-1),
    hasPrevious: stack.length > 0,
    next: (c: string) => setStack((s) => [...s, c]),
    previous: () => setStack((s) => s.slice(0, -1)),
  }
}

/** A fact of a `dl.facts`: its label, and its value or a dash when it has none. */
export function Fact({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children ?? <span class="muted">—</span>}</dd>
    </>
  )
}

type Cursor = ReturnType<typeof useCursor>

type List<T> = { items: T[]; nextCursor?: string | null }

/** A loaded list: `empty` (a sentence) when it has nothing, else `children` and, given `page`, the pager. */
export function Paged<T>({ loaded, page, empty, children }: { loaded: Loaded<List<T>>; page?: Cursor; empty: string; children: (items: T[]) => ComponentChildren }) {
  return (
    <Show loaded={loaded}>
      {({ items, nextCursor }) =>
        // A later page can come back empty: its pager still leads back.
        items.length === 0 && !page?.hasPrevious ? (
          <p class="muted">{empty}</p>
        ) : (
          <>
            {children(items)}
            {page && <Pager hasPrevious={page.hasPrevious} next={nextCursor} onPrevious={page.previous} onNext={page.next} />}
          </>
        )
      }
    </Show>
  )
}

/** A table's column: its header and each row's cell, which the header labels at phone width. */
export type Column<T> = {
  label: string
  /** Figures, aligned right. */
  num?: boolean
  /** A header for screen readers only (a column of buttons that say what they do). */
  hidden?: boolean
  cell: (item: T) => ComponentChildren
  /** The cell's own attributes: a class from its value, a test id. */
  attrs?: (item: T) => { class?: string; [data: `data-${string}`]: string }
}

/**
 * A list as a table of `columns`, a row per item; see Paged. `row` puts the cells in a
 * row of its own (its attributes, a row beneath that opens): it may return several rows.
 */
export function PagedTable<T extends { id: string }>({
  columns,
  class: cls,
  row = (_, cells) => <tr>{cells}</tr>,
  ...list
}: {
  loaded: Loaded<List<T>>
  page?: Cursor
  empty: string
  columns: Column<T>[]
  class?: string
  row?: (item: T, cells: ComponentChildren) => ComponentChildren
}) {
  const cells = (item: T) =>
    columns.map((c) => {
      const { class: own, ...attrs } = c.attrs?.(item) ?? {}
      return (
        <td key={c.label} data-label={c.label} class={[c.num && 'num', own].filter(Boolean).join(' ') || undefined} {...attrs}>
          {c.cell(item)}
        </td>
      )
    })
  return (
    <Paged {...list}>
      {(items) => (
        <table class={cls ? `list ${cls}` : 'list'}>
          <thead>
            <tr>
              {columns.map((c) => (
                <th key={c.label} class={c.num ? 'num' : undefined}>
                  {c.hidden ? <span class="visually-hidden">{c.label}</span> : c.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <Fragment key={item.id}>{row(item, cells(item))}</Fragment>
            ))}
          </tbody>
        </table>
      )}
    </Paged>
  )
}
