// The filter AST (RFC 7644 §3.4.2.2). Shared by the SQL compiler, the in-memory
// evaluator and the PATCH engine, so its shape is a contract: change it with them.

/** Names as written by the client; `uri` is the schema URN prefix when one was given. */
export type AttrPath = { uri?: string; attr: string; sub?: string }

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
