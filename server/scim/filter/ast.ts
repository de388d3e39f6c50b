// The filter AST (RFC 7644 §3.4.2.2). Shared by the SQL compiler, the in-memory
// evaluator and the PATCH engine, so its shape is a contract: change it with them.
import type { AttrPath } from '../../schema/path'

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le'

export type Value = string | number | boolean | null

export type Filter =
  | { op: CompareOp; path: AttrPath; value: Value }
  | { op: 'pr'; path: AttrPath }
  | { op: 'and' | 'or'; left: Filter; right: Filter }
  | { op: 'not'; filter: Filter }
  /** `path` is the multi-valued attribute; `filter` is evaluated against one element. */
  | { op: 'valuePath'; path: AttrPath; filter: Filter }

export const COMPARE_OPS: readonly CompareOp[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']

/** The operands of a chain of `and`s (or `or`s), in order: `a or b or c` -> [a, b, c]. */
export function terms(f: Filter, op: 'and' | 'or'): Filter[] {
  const out: Filter[] = []
  const stack: Filter[] = [f]
  while (stack.length > 0) {
    const g = stack.pop()!
    if (g.op === op) stack.push(g.right, g.left)
    else out.push(g)
  }
  return out
}
