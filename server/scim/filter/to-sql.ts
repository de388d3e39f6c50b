// Filter AST -> porsager fragment for `where organization_id = $org and (<fragment>)`.
// Values are always parameters; identifiers come only from the schema's `column`.
// Leaves may yield SQL NULL (three-valued logic); that acts as false under and/or,
// and `not` coalesces it, so `not (title eq "x")` matches users without a title.
import type postgres from 'postgres'
import type { Sql } from '../../db/client'
import { ScimError, invalidFilter } from '../errors'
import { findAttribute, foldsCase, resolveAttribute } from '../../schema'
import type { Attribute, ResourceType } from '../../schema/types'
import { terms, type CompareOp, type Filter, type Value } from './ast'
import type { AttrPath } from '../../schema/path'
import { operand } from './operand'
import { parseAttrPath } from './parse'

type Fragment = postgres.Fragment

/** Where the elements of a multi-valued attribute come from, for `exists (...)`. */
interface ElementSource {
  attribute: Attribute
  from: Fragment
  /** Correlates the elements with the outer row when `from` does not. */
  where?: Fragment
  field(sub: Attribute): Fragment
  nonEmpty: Fragment
  /** Rows that have an element whose value is `value` (case-insensitively), found through an index (Attribute.indexedValues). */
  rowsWithValue?: (value: string) => Fragment
}

/** A filter is compiled either against the row, or against one element of a value path. */
type Scope = { kind: 'row' } | { kind: 'element'; source: ElementSource } | { kind: 'complex'; attribute: Attribute }

export function filterToSql(sql: Sql, filter: Filter, rt: ResourceType): Fragment {
  return new Compiler(sql, rt).compile(filter, { kind: 'row' })
}

/**
 * The attribute `sortBy` names, when it can be sorted on: a singular simple attribute
 * with a column (the store turns it into its ORDER BY key). Others are 400 invalidValue.
 */
export function sortAttribute(sortBy: string, rt: ResourceType): Attribute {
  const bad = (why: string) => new ScimError(400, 'invalidValue', `sortBy "${sortBy}" ${why}`)
  let path: AttrPath
  try {
    path = parseAttrPath(sortBy)
  } catch {
    throw bad('is not an attribute path')
  }
  const r = resolveAttribute(rt, path)
  if (!r) throw bad(`names no attribute of ${rt.name}`)
  const a = r.subAttribute ?? r.attribute
  if (r.attribute.multiValued || a.type === 'complex' || !a.column) {
    throw bad('is not sortable: only singular simple attributes can be sorted on')
  }
  return a
}

class Compiler {
  constructor(
    private readonly sql: Sql,
    private readonly rt: ResourceType,
  ) {}

  compile(f: Filter, scope: Scope): Fragment {
    const sql = this.sql
    switch (f.op) {
      case 'and':
      case 'or': {
        // Flatten chains so `a or b or c` is one flat list, not a deep nest.
        return join(sql, terms(f, f.op).map((p) => this.compile(p, scope)), f.op)
      }
      case 'not':
        return sql`not coalesce(${this.compile(f.filter, scope)}, false)`
      case 'valuePath':
        return this.valuePath(f.path, f.filter, scope)
      default:
        return this.leaf(f.path, f.op, f.op === 'pr' ? undefined : f.value, scope)
    }
  }

  private valuePath(path: AttrPath, inner: Filter, scope: Scope): Fragment {
    const name = show(path)
    if (scope.kind !== 'row') throw invalidFilter(`value filters cannot be nested ("${name}[...]")`)
    const r = resolveAttribute(this.rt, path)
    if (!r) throw unknown(name, this.rt)
    if (r.subAttribute || r.attribute.type !== 'complex') {
      throw invalidFilter(`"${r.path}" is not a complex attribute, so it cannot take a value filter "[...]"`)
    }
    if (!r.attribute.multiValued) return this.compile(inner, { kind: 'complex', attribute: r.attribute })
    const source = this.elements(r.attribute)
    // `emails[type eq "work" and value eq "x"]`: every match has "x" among its values.
    const valueEq = terms(inner, 'and').find(
      (t) => t.op === 'eq' && t.path.attr.toLowerCase() === 'value' && t.path.uri === undefined && t.path.sub === undefined,
    )
    const any = exists(this.sql, source, this.compile(inner, { kind: 'element', source }))
    return valueEq && 'value' in valueEq ? withValuesIndex(this.sql, source, valueEq.value, any) : any
  }

  private leaf(path: AttrPath, op: CompareOp | 'pr', value: Value | undefined, scope: Scope): Fragment {
    const sql = this.sql
    const name = show(path)
    if (scope.kind !== 'row') {
      const outer = scope.kind === 'element' ? scope.source.attribute : scope.attribute
      if (path.uri !== undefined || path.sub !== undefined) {
        throw invalidFilter(`inside "${outer.name}[...]" name a sub-attribute of ${outer.name} directly, not "${name}"`)
      }
      const sub = findAttribute(outer.subAttributes, path.attr)
      if (!sub) throw invalidFilter(`"${outer.name}" has no sub-attribute "${path.attr}"`)
      const target = scope.kind === 'element' ? scope.source.field(sub) : this.column(sub, `${outer.name}.${sub.name}`)
      return compare(sql, target, sub, `${outer.name}.${sub.name}`, op, value, scope.kind === 'element')
    }

    const r = resolveAttribute(this.rt, path)
    if (!r) throw unknown(name, this.rt)
    const { attribute } = r

    if (attribute.multiValued) {
      const source = this.elements(attribute)
      if (op === 'pr' && !r.subAttribute) return source.nonEmpty
      // `emails co "x"` means its value (RFC 7644 §3.4.2.2).
      const sub = r.subAttribute ?? findAttribute(attribute.subAttributes, 'value')
      if (!sub) throw invalidFilter(`"${r.path}" has no value; filter on one of its sub-attributes`)
      const label = r.subAttribute ? r.path : `${r.path}.${sub.name}`
      const any = exists(sql, source, compare(sql, source.field(sub), sub, label, op, value, true))
      // Any element may match; an attribute with no elements is "not equal" to anything.
      if (op === 'ne') return sql`(not ${source.nonEmpty} or ${any})`
      return op === 'eq' && sub.name === 'value' ? withValuesIndex(sql, source, value, any) : any
    }

    if (attribute.type === 'complex' && !r.subAttribute) {
      if (op === 'pr') {
        if (attribute.name === 'meta') return sql`true`
        const parts = (attribute.subAttributes ?? []).filter((s) => s.column).map((s) => present(sql, this.column(s, r.path), s, false))
        if (parts.length === 0) throw notFilterable(r.path)
        return join(sql, parts, 'or')
      }
      const sub = findAttribute(attribute.subAttributes, 'value')
      if (!sub) throw invalidFilter(`"${r.path}" is complex; filter on one of its sub-attributes (e.g. "${r.path}.${attribute.subAttributes?.[0]?.name}")`)
      return compare(sql, this.column(sub, `${r.path}.value`), sub, `${r.path}.value`, op, value, false)
    }

    const target = r.subAttribute ?? attribute
    // `id eq "<uuid>"` compares as uuid so the primary key index serves it.
    if (target.name === 'id' && op === 'eq' && typeof value === 'string' && UUID.test(value)) return sql`id = ${value}::uuid`
    return compare(sql, this.column(target, r.path), target, r.path, op, value, false)
  }

  /** The SQL expression of a singular attribute stored in a column of the row. */
  private column(a: Attribute, label: string): Fragment {
    const sql = this.sql
    if (a.name === 'id' && a.column === 'id') return sql`id::text`
    if (label.toLowerCase() === 'meta.resourcetype') return sql`${this.rt.id}::text`
    if (!a.column) throw notFilterable(label)
    return sql`${sql(a.column)}`
  }

  private elements(attribute: Attribute): ElementSource {
    const sql = this.sql
    if (attribute.column) {
      const col = sql(attribute.column)
      return {
        attribute,
        from: sql`jsonb_array_elements(${col}) e`,
        field: (sub) => sql`(e->>${sub.name}::text)`,
        nonEmpty: sql`jsonb_array_length(${col}) > 0`,
        ...(attribute.indexedValues ? { rowsWithValue: (value: string) => this.rowsWithValue(attribute.column!, value) } : {}),
      }
    }
    // Memberships live in group_members; qualify the outer row, whose columns the
    // subquery would otherwise shadow (both tables have organization_id).
    const outer = this.rt.table
    const org = sql(`${outer}.organization_id`)
    const id = sql(`${outer}.id`)
    if (this.rt.id === 'User' && attribute.name === 'groups') {
      const where = sql`group_members.organization_id = ${org} and group_members.user_id = ${id}`
      return {
        attribute,
        from: sql`group_members join groups g on g.organization_id = group_members.organization_id and g.id = group_members.group_id`,
        where,
        field: (sub) => {
          if (sub.name === 'value') return sql`group_members.group_id::text`
          if (sub.name === 'display') return sql`g.display_name`
          if (sub.name === 'type') return sql`${'direct'}::text`
          throw notFilterable(`groups.${sub.name}`)
        },
        nonEmpty: sql`exists (select 1 from group_members where ${where})`,
      }
    }
    if (this.rt.id === 'Group' && attribute.name === 'members') {
      const where = sql`group_members.organization_id = ${org} and group_members.group_id = ${id}`
      return {
        attribute,
        from: sql`group_members`,
        where,
        field: (sub) => {
          if (sub.name === 'value') return sql`group_members.user_id::text`
          if (sub.name === 'type') return sql`${'User'}::text`
          throw notFilterable(`members.${sub.name}`)
        },
        nonEmpty: sql`exists (select 1 from group_members where ${where})`,
      }
    }
    throw notFilterable(attribute.name)
  }

  /**
   * The ids of rows (of any organization: the outer query keeps its own) holding `value`
   * in `col`, as an uncorrelated subquery that runs once. Written as `id = any(...)`, not
   * as a plain `@>` condition: with the latter a prepared statement's generic plan ANDs
   * the index with a scan of the organization's whole primary key range.
   */
  private rowsWithValue(column: string, value: string): Fragment {
    const sql = this.sql
    const { table } = this.rt
    return sql`${sql(`${table}.id`)} = any(array(select v.id from ${sql(table)} v where scim_lower_values(${sql(`v.${column}`)}) @> array[lower(${value}::text)]))`
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i


/**
 * One comparison. `target` is text for jsonb element fields (`asText`), else the
 * column in its own type.
 */
function compare(
  sql: Sql,
  target: Fragment,
  a: Attribute,
  label: string,
  op: CompareOp | 'pr',
  value: Value | undefined,
  asText: boolean,
): Fragment {
  if (op === 'pr' || value === undefined) return present(sql, target, a, asText)
  if (value === null) {
    // `eq null` / `ne null`: absence and presence (RFC 7643 §2.5: null is unassigned).
    if (op === 'eq') return sql`not ${present(sql, target, a, asText)}`
    if (op === 'ne') return present(sql, target, a, asText)
    throw invalidFilter(`"${op}" cannot compare "${label}" with null; only eq and ne can`)
  }
  const v = operand(a, label, op, value)
  if (a.type === 'boolean') {
    const rhs = asText ? sql`${String(v)}::text` : sql`${v as boolean}`
    return op === 'eq' ? sql`${target} = ${rhs}` : sql`${target} is distinct from ${rhs}`
  }
  if (a.type === 'dateTime') {
    const lhs = asText ? sql`${target}::timestamptz` : target
    // Through text: a timestamptz parameter would go through the driver's Date
    // serializer and lose microseconds.
    return relation(sql, op, lhs, sql`${v as string}::text::timestamptz`)
  }
  if (a.type === 'integer' || a.type === 'decimal') {
    const lhs = asText ? sql`${target}::numeric` : target
    return relation(sql, op, lhs, sql`${v as number}::numeric`)
  }
  const fold = foldsCase(a)
  const lhs = fold ? sql`lower(${target})` : target
  if (op === 'co' || op === 'sw' || op === 'ew') {
    const escaped = (v as string).replace(/[\\%_]/g, '\\$&')
    const pattern = op === 'co' ? `%${escaped}%` : op === 'sw' ? `${escaped}%` : `%${escaped}`
    return sql`${lhs} like ${fold ? sql`lower(${pattern}::text)` : sql`${pattern}::text`}`
  }
  return relation(sql, op, lhs, fold ? sql`lower(${v as string}::text)` : sql`${v as string}::text`)
}

/**
 * `cond` (a `value eq` on some element) behind a test the values index serves. The
 * test is implied by `cond` whatever the value's caseExact, so it only narrows the scan.
 */
function withValuesIndex(sql: Sql, source: ElementSource, value: Value | undefined, cond: Fragment): Fragment {
  if (!source.rowsWithValue || typeof value !== 'string') return cond
  return sql`(${source.rowsWithValue(value)} and ${cond})`
}

function exists(sql: Sql, source: ElementSource, cond: Fragment): Fragment {
  return source.where
    ? sql`exists (select 1 from ${source.from} where ${source.where} and ${cond})`
    : sql`exists (select 1 from ${source.from} where ${cond})`
}

/** caseExact false text compares (and sorts) on lower() of both sides. */
function relation(sql: Sql, op: CompareOp, l: Fragment, r: Fragment): Fragment {
  switch (op) {
    case 'eq':
      return sql`${l} = ${r}`
    case 'ne':
      // RFC: an absent value is not equal to anything, so NULL matches `ne`.
      return sql`${l} is distinct from ${r}`
    case 'gt':
      return sql`${l} > ${r}`
    case 'ge':
      return sql`${l} >= ${r}`
    case 'lt':
      return sql`${l} < ${r}`
    case 'le':
      return sql`${l} <= ${r}`
    default:
      throw invalidFilter(`"${op}" cannot be applied here`)
  }
}

/** `pr`: has a value, and for text a non-empty one. */
function present(sql: Sql, target: Fragment, a: Attribute, asText: boolean): Fragment {
  return a.type === 'string' || a.type === 'reference' || a.type === 'binary' || asText
    ? sql`coalesce(${target} <> '', false)`
    : sql`${target} is not null`
}

/** Checks and coerces the comparison value for the attribute's type. */
/** `(a and b and c)`; porsager renders an array of fragments space-separated. */
function join(sql: Sql, parts: Fragment[], op: 'and' | 'or'): Fragment {
  const [first, ...rest] = parts
  if (rest.length === 0) return sql`(${first!})`
  return sql`(${first!} ${rest.map((p) => (op === 'and' ? sql`and ${p}` : sql`or ${p}`))})`
}


function show(p: AttrPath): string {
  return `${p.uri ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`
}

const unknown = (name: string, rt: ResourceType) => invalidFilter(`unknown attribute "${name}" for ${rt.name} resources`)
const notFilterable = (label: string) => invalidFilter(`filtering on "${label}" is not supported`)
