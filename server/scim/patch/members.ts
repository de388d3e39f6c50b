// Group membership as a list of operations on member ids rather than an edited
// `members` array: memberships live in group_members and a group may have tens of
// thousands of them, so the engine never needs them loaded. The store applies the
// ops in order (see MemberOp).
import { invalidFilter, invalidPath, invalidValue, mutability } from '../errors'
import type { Filter } from '../filter/ast'
import { getAttribute, isRecord, terms } from '../filter/eval'
import type { OpName } from './request'
import type { AttributeTarget } from './target'
import { asList } from './values'

/**
 * - add: insert these member ids (already-members are no-ops)
 * - remove: delete these member ids (non-members are no-ops)
 * - replace: the members become exactly these ids
 * - removeAll: the group has no members
 */
export type MemberOp = { kind: 'add' | 'remove' | 'replace'; values: string[] } | { kind: 'removeAll' }

/** The membership change one PATCH operation on `members` asks for. */
export function memberOp(op: OpName, t: AttributeTarget, value: unknown): MemberOp {
  if (t.sub) {
    throw mutability(`"${t.label}": members are added or removed whole; "${t.name}" cannot be changed`)
  }
  if (t.filter) {
    if (op !== 'remove') {
      throw invalidPath(`"${t.label}": a filter on members is supported only with "remove"; to add, send "path": "members" and a list of {"value": id}`)
    }
    return { kind: 'remove', values: filterIds(t.filter, t.label) }
  }
  const unassigned = value === undefined || value === null
  if (op === 'remove') return unassigned ? { kind: 'removeAll' } : { kind: 'remove', values: memberIds(value) }
  const ids = unassigned ? [] : memberIds(value)
  if (op === 'add') return { kind: 'add', values: ids }
  return ids.length === 0 ? { kind: 'removeAll' } : { kind: 'replace', values: ids }
}

/**
 * Appends `next`, folding it into the previous op where the result is the same
 * (a replace absorbs later adds and removes), so the store runs few statements.
 */
export function pushMemberOp(ops: MemberOp[], next: MemberOp): void {
  if (next.kind === 'replace' || next.kind === 'removeAll') {
    ops.splice(0, ops.length, next)
    return
  }
  if (next.values.length === 0) return
  const last = ops.at(-1)
  if (last?.kind === 'removeAll') {
    if (next.kind === 'add') ops[ops.length - 1] = { kind: 'replace', values: next.values }
  } else if (last?.kind === 'replace') {
    const values = next.kind === 'add' ? union(last.values, next.values) : minus(last.values, next.values)
    ops[ops.length - 1] = values.length === 0 ? { kind: 'removeAll' } : { kind: 'replace', values }
  } else if (last?.kind === next.kind) {
    last.values = union(last.values, next.values)
  } else {
    ops.push(next)
  }
}

/** Entra: `[{"value": id}]`; Okta adds `display`; some send bare ids. */
function memberIds(value: unknown): string[] {
  const ids = asList(value).map((m, i) => {
    const id = isRecord(m) ? getAttribute(m, 'value') : m
    if (typeof id !== 'string' || id.trim() === '') {
      throw invalidValue(`members[${i}] must be an object with a "value" holding the member's id, not ${JSON.stringify(m)}`)
    }
    return id
  })
  return [...new Set(ids)]
}

/**
 * `members[value eq "a"]` or `members[value eq "a" or value eq "b"]` (Okta). Any
 * other filter would need every member loaded to evaluate; refuse it, as RFC 7644
 * §3.12 allows ("filter comparison combination is not supported").
 */
function filterIds(filter: Filter, label: string): string[] {
  return [
    ...new Set(
      terms(filter, 'or').map((f) => {
        if (f.op === 'eq' && f.path.uri === undefined && f.path.sub === undefined && f.path.attr.toLowerCase() === 'value' && typeof f.value === 'string') {
          return f.value
        }
        throw invalidFilter(`"${label}": members can be removed by filter only as members[value eq "id"], or several of those joined by "or"`)
      }),
    ),
  ]
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])]
}

function minus(a: string[], b: string[]): string[] {
  const drop = new Set(b)
  return a.filter((x) => !drop.has(x))
}
