// A list's filters, kept in the URL's query string (a filtered view is a link), and the
// fields that set them: the users, groups, organizations and log pages share these.
import type { ComponentChildren } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { setParams, useLocation } from './router'
import { Field } from './ui'

export function useFilters<K extends string>(keys: readonly K[]) {
  const { params } = useLocation()
  const values = Object.fromEntries(keys.map((k) => [k, params.get(k) ?? ''])) as Record<K, string>
  return {
    values,
    any: keys.some((k) => values[k] !== ''),
    /** Changes with every filter: paging restarts on it. */
    key: keys.map((k) => values[k]).join('\n'),
    set(changes: Partial<Record<K, string>>) {
      const next = new URLSearchParams(location.search)
      for (const [k, v] of Object.entries(changes) as [K, string][]) v ? next.set(k, v) : next.delete(k)
      setParams(next)
    },
    clear() {
      setParams(new URLSearchParams())
    },
  }
}

/** The filters' form: a search landmark named `label`, with "Clear filters" while any is set. */
export function FilterForm({ label, filters, children }: { label: string; filters: { any: boolean; clear: () => void }; children: ComponentChildren }) {
  return (
    <form class="filters" role="search" aria-label={label} onSubmit={(e) => e.preventDefault()}>
      {children}
      {filters.any && (
        <button type="button" class="secondary" onClick={filters.clear}>
          Clear filters
        </button>
      )}
    </form>
  )
}

/** A search box that applies what is typed after a short pause (no request per keystroke). */
export function SearchBox({ label, value, help, placeholder, onSearch }: { label: string; value: string; help?: string; placeholder?: string; onSearch: (q: string) => void }) {
  const [text, setText] = useState(value)
  // Back and forward change the URL under the box.
  useEffect(() => setText(value), [value])
  useEffect(() => {
    if (text === value) return
    const t = setTimeout(() => onSearch(text), 300)
    return () => clearTimeout(t)
  }, [text])
  return (
    <Field label={label} help={help}>
      <input type="search" maxLength={256} placeholder={placeholder} value={text} onInput={(e) => setText(e.currentTarget.value)} />
    </Field>
  )
}

/**
 * A text filter that applies when it changes (Enter, or leaving the field), so a half-typed
 * status asks nothing. What is typed is its own state: a list arriving meanwhile re-renders
 * the page without wiping it.
 */
export function FilterInput({ value, onCommit, ...rest }: { value: string; onCommit: (value: string) => void; type?: string; list?: string; placeholder?: string; class?: string }) {
  const [text, setText] = useState(value)
  // Back, forward and "Clear filters" change the URL under the field.
  useEffect(() => setText(value), [value])
  return <input {...rest} value={text} onInput={(e) => setText(e.currentTarget.value)} onChange={(e) => onCommit(e.currentTarget.value.trim())} />
}

/** A choice among `options` (value: text, or values that are their own text), or "any" (no filter). */
export function FilterSelect({ label, value, options, onChange }: { label: string; value: string; options: Record<string, string> | string[]; onChange: (value: string) => void }) {
  const choices = Array.isArray(options) ? options.map((v) => [v, v]) : Object.entries(options)
  return (
    <Field label={label}>
      <select value={value} onChange={(e) => onChange(e.currentTarget.value)}>
        <option value="">any</option>
        {choices.map(([v, text]) => (
          <option key={v} value={v}>
            {text}
          </option>
        ))}
      </select>
    </Field>
  )
}
