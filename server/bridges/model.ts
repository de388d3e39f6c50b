// The admin API's bridge bodies (README "Admin API"). Provider settings are validated
// by the providers' own schemas (bridge/providers.ts).
import * as v from 'valibot'
import { providerSettings } from '../../bridge/providers'
import { Name } from '../names'

const MONTH_SECONDS = 31 * 24 * 60 * 60

const seconds = v.pipe(v.number('a number of seconds'), v.integer('a whole number of seconds'), v.minValue(1, 'at least 1 second'), v.maxValue(MONTH_SECONDS, 'at most 31 days'))
const failures = v.pipe(v.number('a number'), v.integer('a whole number'), v.minValue(1, 'at least 1'), v.maxValue(1000, 'at most 1000'))

/** `null` resets a field to its default (PATCH merges). */
export const Retry = v.strictObject({
  initialIntervalSeconds: v.nullish(seconds),
  maximumIntervalSeconds: v.nullish(seconds),
  maxConsecutiveFailures: v.nullish(failures),
})

/** Emails or userNames (the planner excludes by either), compared lower-cased. */
const ExcludedEmails = v.pipe(
  v.array(v.pipe(v.string('a string'), v.trim(), v.toLowerCase(), v.minLength(1, 'must not be empty'), v.maxLength(320, 'at most 320 characters'))),
  v.maxLength(10_000, 'at most 10000 entries'),
  v.transform((list) => [...new Set(list)]),
)

const Ratio = v.pipe(v.number('a number between 0 and 1'), v.minValue(0, 'at least 0'), v.maxValue(1, 'at most 1 (1 allows deactivating everyone)'))

export const DEFAULT_INTERVAL_SECONDS = 3600

/** The create body without `provider` and `settings` (those go through `providerSettings`). */
const BridgeOptions = v.object({
  name: v.optional(Name),
  intervalSeconds: v.optional(seconds, DEFAULT_INTERVAL_SECONDS),
  excludedEmails: v.optional(ExcludedEmails, []),
  retry: v.optional(Retry, {}),
  maxDeactivationRatio: v.optional(Ratio, 0.2),
  syncGroups: v.optional(v.boolean('true or false'), true),
})

export const CreateBridge = v.intersect([BridgeOptions, providerSettings])
export type CreateBridge = v.InferOutput<typeof CreateBridge>

export type BridgePatch = v.InferOutput<typeof BridgePatch>
/** A record without its null (and undefined) fields: in a PATCH, null puts a field back to its default by leaving it out. */
export function withoutNulls<R extends Record<string, unknown>>(record: R): { [K in keyof R]?: Exclude<R[K], null | undefined> } {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== null && value !== undefined)) as { [K in keyof R]?: Exclude<R[K], null | undefined> }
}

export const BridgePatch = v.object({
  /** null removes the name. */
  name: v.optional(v.nullable(Name)),
  /** Merged over the stored settings: send only what changes (a new secret, a base URL); null takes an optional one out. */
  settings: v.optional(v.record(v.string(), v.unknown())),
  intervalSeconds: v.optional(seconds),
  excludedEmails: v.optional(ExcludedEmails),
  retry: v.optional(Retry),
  maxDeactivationRatio: v.optional(Ratio),
  syncGroups: v.optional(v.boolean('true or false')),
})

export const RunsQuery = v.object({
  limit: v.optional(v.pipe(v.string(), v.regex(/^\d+$/, 'must be an integer'), v.transform(Number), v.minValue(1), v.maxValue(200)), '50'),
  cursor: v.optional(v.pipe(v.string(), v.uuid('must be a cursor from a previous page'))),
})

