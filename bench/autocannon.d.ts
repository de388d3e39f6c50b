// The part of autocannon's programmatic API bench/load.ts uses (the package ships no types).
declare module 'autocannon' {
  interface Request {
    method?: string
    path?: string
    headers?: Record<string, string>
    body?: string
  }
  interface Options {
    url: string
    connections: number
    duration: number
    headers?: Record<string, string>
    requests?: { setupRequest?: (req: Request, context: Record<string, unknown>) => Request }[]
  }
  interface Stats {
    average: number
    total: number
    p50: number
    p90: number
    p99: number
    max: number
  }
  interface Result {
    duration: number
    requests: Stats
    latency: Stats
    errors: number
    timeouts: number
    non2xx: number
    '2xx': number
    statusCodeStats: Record<string, { count: number }>
  }
  function autocannon(opts: Options): Promise<Result>
  export default autocannon
}
