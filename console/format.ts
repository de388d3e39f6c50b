// Times as an admin reads them: "3 min ago", "in 8 min", "1 m 20 s".

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000))
  if (s < 60) return `${s} s`
  const m = Math.floor(s / 60)
  if (m < 60) return s % 60 ? `${m} m ${s % 60} s` : `${m} m`
  const h = Math.floor(m / 60)
  if (h < 48) return m % 60 ? `${h} h ${m % 60} m` : `${h} h`
  return `${Math.floor(h / 24)} d`
}

function coarse(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.round(s / 60)} min`
  if (s < 48 * 3600) return `${Math.round(s / 3600)} h`
  return `${Math.round(s / 86400)} d`
}

/** "3 min ago" or "in 8 min" relative to now. */
export function relative(at: string | Date | null | undefined, now = Date.now()): string {
  if (!at) return '—'
  const ms = new Date(at).getTime() - now
  if (Math.abs(ms) < 1500) return 'now'
  return ms > 0 ? `in ${coarse(ms)}` : `${coarse(ms)} ago`
}

/** A full local timestamp, for titles and tables. */
export function timestamp(at: string | Date | null | undefined): string {
  if (!at) return '—'
  const d = new Date(at)
  return `${d.toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' })} ${d.toLocaleTimeString(undefined, { hour12: false })}`
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString()} ${n === 1 ? one : many}`
}
