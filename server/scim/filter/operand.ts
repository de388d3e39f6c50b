// What a comparison may compare: shared by the SQL compiler (lists) and the in-memory
// evaluator (PATCH value paths), so both accept and refuse exactly the same filters.
import { invalidFilter } from '../errors'
import { asBoolean, isDateTime } from '../validate'
import type { Attribute } from '../../schema/types'
import type { CompareOp, Value } from './ast'

/** The RFC 7644 §3.4.2.2 operators each attribute type supports (besides pr). */
export const OPS_BY_TYPE: Record<Attribute['type'], readonly CompareOp[]> = {
  string: ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'],
  reference: ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'],
  binary: ['eq', 'ne', 'co', 'sw', 'ew'],
  boolean: ['eq', 'ne'],
  dateTime: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
  integer: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
  decimal: ['eq', 'ne', 'gt', 'ge', 'lt', 'le'],
  complex: [],
}

export type Operand = string | number | boolean

/** The filter's value checked against the attribute's type, or invalidFilter saying why. */
export function operand(a: Attribute, label: string, op: CompareOp, value: Exclude<Value, null>): Operand {
  if (!OPS_BY_TYPE[a.type].includes(op)) {
    throw invalidFilter(`"${op}" is not supported on "${label}" (a ${a.type}); use ${OPS_BY_TYPE[a.type].join(', ')} or pr`)
  }
  const wrong = (expected: string) =>
    invalidFilter(`"${label}" is a ${a.type}; "${op}" needs ${expected}, not ${JSON.stringify(value)}`)
  switch (a.type) {
    case 'boolean': {
      const b = asBoolean(value)
      if (b === undefined) throw wrong('true or false')
      return b
    }
    case 'dateTime':
      if (typeof value === 'string' && isDateTime(value)) return value
      throw wrong('a date-time string such as "2024-01-31T12:00:00Z"')
    case 'integer':
    case 'decimal':
      if (typeof value === 'number' && (a.type === 'decimal' || Number.isInteger(value))) return value
      throw wrong(`a${a.type === 'integer' ? 'n integer' : ' number'}`)
    default:
      if (typeof value === 'string') return value
      if (typeof value === 'number') return String(value)
      throw wrong('a string')
  }
}
