import { expect, test } from 'bun:test'
import { Counter, escapeLabel, Gauge, Histogram, Registry } from '../../../../server/metrics/registry'

test('counters, gauges and histograms render in the Prometheus text format', () => {
  const r = new Registry()
  const c = r.register(new Counter('reqs_total', 'Requests', ['method', 'status']))
  const g = r.register(new Gauge('depth', 'Queue depth'))
  const h = r.register(new Histogram('latency_seconds', 'Latency', ['route'], [0.5, 0.1, 1]))
  c.inc({ method: 'GET', status: '200' })
  c.inc({ method: 'GET', status: '200' }, 2)
  c.inc({ method: 'POST', status: '401' })
  g.set({}, 7)
  h.observe({ route: '/a' }, 0.05)
  h.observe({ route: '/a' }, 0.7)
  h.observe({ route: '/a' }, 3)
  expect(r.render()).toBe(
    [
      '# HELP reqs_total Requests',
      '# TYPE reqs_total counter',
      'reqs_total{method="GET",status="200"} 3',
      'reqs_total{method="POST",status="401"} 1',
      '# HELP depth Queue depth',
      '# TYPE depth gauge',
      'depth 7',
      '# HELP latency_seconds Latency',
      '# TYPE latency_seconds histogram',
      // Bounds sorted; buckets cumulative; +Inf equals the count.
      'latency_seconds_bucket{route="/a",le="0.1"} 1',
      'latency_seconds_bucket{route="/a",le="0.5"} 1',
      'latency_seconds_bucket{route="/a",le="1"} 2',
      'latency_seconds_bucket{route="/a",le="+Inf"} 3',
      'latency_seconds_sum{route="/a"} 3.75',
      'latency_seconds_count{route="/a"} 3',
      '',
    ].join('\n'),
  )
})

test('label values are escaped: a client-controlled value cannot break the line or add labels', () => {
  expect(escapeLabel('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd')
  const r = new Registry()
  r.register(new Counter('x_total', 'X', ['route'])).inc({ route: '/p",evil="1\n' })
  expect(r.render().split('\n')[2]).toBe('x_total{route="/p\\",evil=\\"1\\n"} 1')
})

test('a counter never goes down; reset drops the series of a gauge read anew', () => {
  const c = new Counter('c_total', 'C')
  expect(() => c.inc({}, -1)).toThrow('cannot go down')
  const g = new Gauge('bridges', 'B', ['state'])
  g.set({ state: 'failed' }, 2)
  g.reset()
  g.set({ state: 'active' }, 1)
  expect(g.render()).not.toContain('failed')
  expect(g.render()).toContain('bridges{state="active"} 1')
})

test('a metric name is registered once', () => {
  const r = new Registry()
  r.register(new Gauge('g', 'G'))
  expect(() => r.register(new Gauge('g', 'again'))).toThrow('registered twice')
})
