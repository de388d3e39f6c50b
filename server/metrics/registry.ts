// A small Prometheus registry: counters, gauges and histograms with labels, written in
// the text exposition format (version 0.0.4). Ours rather than prom-client: we need
// these three types and nothing of its default collectors, and the format is a page.
type Labels = Record<string, string>

const key = (names: readonly string[], labels: Labels) => JSON.stringify(names.map((n) => labels[n] ?? ''))

/** Label values may hold anything a client sent (a route, a method): escape as the format says. */
export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function labelText(names: readonly string[], values: readonly string[], extra?: [string, string]): string {
  const pairs = names.map((n, i) => `${n}="${escapeLabel(values[i]!)}"`)
  if (extra) pairs.push(`${extra[0]}="${escapeLabel(extra[1])}"`)
  return pairs.length ? `{${pairs.join(',')}}` : ''
}

const num = (v: number) => (v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : Number.isNaN(v) ? 'NaN' : String(v))

interface Metric {
  readonly name: string
  render(): string
}

abstract class Family<V> implements Metric {
  protected readonly series = new Map<string, { values: string[]; value: V }>()
  constructor(
    readonly name: string,
    protected readonly help: string,
    protected readonly type: 'counter' | 'gauge' | 'histogram',
    protected readonly labelNames: readonly string[],
  ) {}

  protected slot(labels: Labels, init: () => V): { values: string[]; value: V } {
    const k = key(this.labelNames, labels)
    let s = this.series.get(k)
    if (!s) this.series.set(k, (s = { values: this.labelNames.map((n) => labels[n] ?? ''), value: init() }))
    return s
  }

  protected header(): string {
    return `# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n# TYPE ${this.name} ${this.type}\n`
  }

  /** Drops every series: what is read from the database is rewritten whole at each scrape. */
  reset(): void {
    this.series.clear()
  }

  abstract render(): string
}

/** One number per series. */
class Scalar extends Family<number> {
  /** Sets a series; on a counter, mirrors a count kept elsewhere (the audit buffer's, a table's). */
  set(labels: Labels, value: number): void {
    this.slot(labels, () => 0).value = value
  }
  render(): string {
    let out = this.header()
    for (const s of this.series.values()) out += `${this.name}${labelText(this.labelNames, s.values)} ${num(s.value)}\n`
    return out
  }
}

export class Counter extends Scalar {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'counter', labelNames)
  }
  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`counter ${this.name} cannot go down (inc by ${by})`)
    this.slot(labels, () => 0).value += by
  }
}

export class Gauge extends Scalar {
  constructor(name: string, help: string, labelNames: readonly string[] = []) {
    super(name, help, 'gauge', labelNames)
  }
}

type Buckets = { counts: number[]; sum: number; count: number }

export class Histogram extends Family<Buckets> {
  readonly bounds: number[]
  constructor(name: string, help: string, labelNames: readonly string[], bounds: number[]) {
    super(name, help, 'histogram', labelNames)
    this.bounds = [...bounds].sort((a, b) => a - b)
  }
  observe(labels: Labels, value: number): void {
    const s = this.slot(labels, () => ({ counts: this.bounds.map(() => 0), sum: 0, count: 0 })).value
    for (let i = 0; i < this.bounds.length; i++) if (value <= this.bounds[i]!) s.counts[i]!++
    s.sum += value
    s.count++
  }
  /** Sets a whole series at once (cumulative bucket counts, one per bound): for histograms read from the database. */
  set(labels: Labels, value: Buckets): void {
    this.slot(labels, () => value).value = value
  }
  render(): string {
    let out = this.header()
    for (const { values, value } of this.series.values()) {
      this.bounds.forEach((b, i) => (out += `${this.name}_bucket${labelText(this.labelNames, values, ['le', num(b)])} ${value.counts[i]}\n`))
      out += `${this.name}_bucket${labelText(this.labelNames, values, ['le', '+Inf'])} ${value.count}\n`
      out += `${this.name}_sum${labelText(this.labelNames, values)} ${num(value.sum)}\n`
      out += `${this.name}_count${labelText(this.labelNames, values)} ${value.count}\n`
    }
    return out
  }
}

export class Registry {
  private readonly metrics: Metric[] = []
  register<M extends Metric>(m: M): M {
    if (this.metrics.some((x) => x.name === m.name)) throw new Error(`metric ${m.name} is registered twice`)
    this.metrics.push(m)
    return m
  }
  render(): string {
    return this.metrics.map((m) => m.render()).join('')
  }
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'
