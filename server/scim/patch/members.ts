// Group membership as a list of operations on member ids rather than an edited
// `members` array: memberships live in group_members and a group may have tens of
// thousands of them, so the engine never needs them loaded. The store applies the
// ops in order (see MemberOp in server/groups/store.ts).
import type { MemberOp } from '../../groups/store'
import { invalidFilter, invalidPath, invalidValue, mutability } from '../errors'
import type { Filter } from '../filter/ast'
import { getAttribute, isRecord } from '../filter/eval'
import { terms } from '../filter/ast'
import type { OpName } from './request'
import type { AttributeTarget } from './target'
import { asList } from './values'

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
 * Membership ops folded as they arrive, each into the previous op where the result
 * is the same (a replace absorbs later adds and removes), so the store runs few
 * statements. The last op stays open as an insertion-ordered Set, so folding
 * 10,000 one-member ops is linear rather than a copy of the ids per op.
 */
export class MemberOpList {
  private readonly closed: MemberOp[]
  private last: OpenOp | undefined

  constructor(ops: readonly MemberOp[] = []) {
    this.closed = ops.slice(0, -1)
    const last = ops.at(-1)
    if (last) this.last = open(last)
  }

  push(next: MemberOp): void {
    if (next.kind === 'replace' || next.kind === 'removeAll') {
      this.closed.length = 0
      this.last = open(next)
      return
    }
    if (next.values.length === 0) return
    const last = this.last
    if (last?.kind === 'removeAll') {
      if (next.kind === 'add') this.last = open({ kind: 'replace', values: next.values })
    } else if (last?.kind === 'replace') {
      if (next.kind === 'add') for (const id of next.values) last.ids.add(id)
      else for (const id of next.values) last.ids.delete(id)
      if (last.ids.size === 0) this.last = { kind: 'removeAll' }
    } else if (last?.kind === next.kind) {
      for (const id of next.values) last.ids.add(id)
    } else {
      if (last) this.closed.push(close(last))
      this.last = open(next)
    }
  }

  /** The folded ops, in order. */
  list(): MemberOp[] {
    return this.last ? [...this.closed, close(this.last)] : [...this.closed]
  }
}

type OpenOp = { kind: 'add' | 'remove' | 'replace'; ids: Set<string> } | { kind: 'removeAll' }

function open(op: MemberOp): OpenOp {
  return op.kind === 'removeAll' ? op : { kind: op.kind, ids: new Set(op.values) }
}

function close(op: OpenOp): MemberOp {
  return op.kind === 'removeAll' ? { kind: 'removeAll' } : { kind: op.kind, values: [...op.ids] }
}

/** Appends `next` to `ops`, folded as MemberOpList does (linear in `ops` per call; the engine keeps a MemberOpList). */
export function pushMemberOp(ops: MemberOp[], next: MemberOp): void {
  const list = new MemberOpList(ops)
  list.push(next)
  ops.splice(0, ops.length, ...list.list())
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
