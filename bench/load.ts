// One load run for bench/scim.ts, in its own process so the load generator does not
// share an event loop with the server it measures: `bun bench/load.ts <spec.json>`.
// Prints autocannon's figures for the run as one JSON line on stdout.
import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'
import { userNameOf } from './seed'

export type Scenario = 'filter' | 'get' | 'post' | 'patch' | 'page' | 'cursor' | 'valuePath'

export interface LoadSpec {
  /** Origin of the server, e.g. http://127.0.0.1:4000 */
  origin: string
  token: string
  scenario: Scenario
  connections: number
  seconds: number
  /** userNames `${prefix}.${1..users}@example.com` exist. */
  prefix: string
  users: number
  /** Ids of existing users, for GET and PATCH. */
  ids: string[]
  /** For 'page': startIndex; for 'cursor': the cursor of the page. */
  startIndex: number
  cursor: string
  /** Distinct per run: POSTed userNames are `${tag}.${n}@example.com`. */
  tag: string
}

export interface LoadResult {
  rps: number
  p50: number
  p99: number
  requests: number
  non2xx: number
  errors: number
}

const BASE = '/api/connect/v1/scim/2.0/Users'
const SCIM = 'application/scim+json'

function requestFor(spec: LoadSpec): () => { method: string; path: string; body?: string } {
  const pick = <T>(xs: T[]) => xs[Math.floor(Math.random() * xs.length)]!
  const someUserName = () => userNameOf(spec.prefix, 1 + Math.floor(Math.random() * spec.users))
  const filtered = (f: string) => `${BASE}?filter=${encodeURIComponent(f)}`
  let n = 0
  switch (spec.scenario) {
    case 'filter':
      return () => ({ method: 'GET', path: filtered(`userName eq "${someUserName()}"`) })
    case 'valuePath':
      return () => ({ method: 'GET', path: filtered(`emails[type eq "work" and value eq "${someUserName()}"]`) })
    case 'get':
      return () => ({ method: 'GET', path: `${BASE}/${pick(spec.ids)}` })
    case 'page':
      return () => ({ method: 'GET', path: `${BASE}?startIndex=${spec.startIndex}&count=100` })
    case 'cursor':
      return () => ({ method: 'GET', path: `${BASE}?count=100&cursor=${encodeURIComponent(spec.cursor)}` })
    case 'post':
      return () => {
        const userName = `${spec.tag}.${++n}@example.com`
        const body = {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName,
          name: { givenName: 'Posted', familyName: `User ${n}` },
          title: 'Engineer',
          emails: [{ value: userName, type: 'work', primary: true }],
          active: true,
        }
        return { method: 'POST', path: BASE, body: JSON.stringify(body) }
      }
    case 'patch':
      return () => {
        const body = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: `Title ${++n}` }] }
        return { method: 'PATCH', path: `${BASE}/${pick(spec.ids)}`, body: JSON.stringify(body) }
      }
  }
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const next = requestFor(spec)
  const result = await autocannon({
    url: spec.origin,
    connections: spec.connections,
    duration: spec.seconds,
    headers: { authorization: `Bearer ${spec.token}`, accept: SCIM, 'content-type': SCIM },
    requests: [{ setupRequest: (req) => ({ ...req, ...next() }) }],
  })
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  }
}

if (import.meta.main) {
  const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadSpec
  console.log(JSON.stringify(await load(spec)))
}
