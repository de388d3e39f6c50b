// Recursive-descent parser for RFC 7644 §3.4.2.2 filters, plus the attribute paths
// used by sortBy and PATCH. Precedence: not > and > or; `and`/`or` chains are
// loops, and every level of nesting (parens, not, brackets) is counted against
// maxDepth before recursing, so hostile input fails fast instead of overflowing.
import { ScimError, invalidFilter, invalidPath } from '../errors'
import { ATTR_NAME, type AttrPath, splitAttrPath } from '../../schema/path'
import { COMPARE_OPS, type CompareOp, type Filter, type Value } from './ast'
import { lex, type Token } from './lex'

export type ParseOptions = { maxLength?: number; maxDepth?: number }

export const DEFAULT_MAX_LENGTH = 4096
export const DEFAULT_MAX_DEPTH = 50

export function parseFilter(text: string, opts: ParseOptions = {}): Filter {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH
  if (text.length > maxLength) {
    throw invalidFilter(`filter is ${text.length} characters long; the limit is ${maxLength}`)
  }
  const p = new Parser(lex(text), opts.maxDepth ?? DEFAULT_MAX_DEPTH)
  if (p.peek().kind === 'end') throw invalidFilter('filter is empty')
  const filter = p.parseOr(0, false)
  p.expectEnd()
  return filter
}

/**
 * A plain attribute path: `userName`, `name.givenName`, `urn:...:User:manager.value`.
 * Errors are `invalidPath`; sortBy callers re-label them.
 */
export function parseAttrPath(text: string): AttrPath {
  return asPathError(() => {
    const [first, second] = lex(text)
    if (first?.kind !== 'word' || second?.kind !== 'end') {
      throw invalidPath(`${JSON.stringify(clip(text))} is not an attribute path`)
    }
    return toAttrPath(first)
  })
}

/**
 * A PATCH path (RFC 7644 §3.5.2: `attrPath / valuePath [subAttr]`), e.g.
 * `members[value eq "2819c223"]` or `emails[type eq "work"].value`.
 */
export function parsePath(
  text: string,
  opts: ParseOptions = {},
): { path: AttrPath; filter?: Filter; sub?: string } {
  const maxLength = opts.maxLength ?? DEFAULT_MAX_LENGTH
  if (text.length > maxLength) throw invalidPath(`path is ${text.length} characters long; the limit is ${maxLength}`)
  return asPathError(() => {
    const p = new Parser(lex(text), opts.maxDepth ?? DEFAULT_MAX_DEPTH)
    const path = p.path('an attribute path')
    if (p.peek().kind !== '[') {
      p.expectEnd('the end of the path')
      return { path }
    }
    p.valuePathTarget(path)
    const filter = p.bracket(0)
    const sub = p.peek().kind === '.' ? p.subAfterBracket() : undefined
    p.expectEnd('the end of the path')
    return sub === undefined ? { path, filter } : { path, filter, sub }
  })
}

/** Path syntax errors are `invalidPath` (RFC 7644 §3.12), whatever the lexer said. */
function asPathError<T>(f: () => T): T {
  try {
    return f()
  } catch (e) {
    if (e instanceof ScimError && e.scimType === 'invalidFilter') throw invalidPath(e.detail)
    throw e
  }
}

class Parser {
  private i = 0

  constructor(
    private readonly tokens: Token[],
    private readonly maxDepth: number,
  ) {}

  peek(): Token {
    return this.tokens[this.i]!
  }

  private next(): Token {
    const t = this.tokens[this.i]!
    if (t.kind !== 'end') this.i++
    return t
  }

  private keyword(t: Token, word: string): boolean {
    return t.kind === 'word' && t.text.toLowerCase() === word
  }

  private deeper(depth: number, at: Token): number {
    if (depth + 1 > this.maxDepth) {
      throw invalidFilter(`filter nests deeper than ${this.maxDepth} levels (at position ${at.pos})`)
    }
    return depth + 1
  }

  parseOr(depth: number, inBrackets: boolean): Filter {
    let left = this.parseAnd(depth, inBrackets)
    while (this.keyword(this.peek(), 'or')) {
      this.next()
      left = { op: 'or', left, right: this.parseAnd(depth, inBrackets) }
    }
    return left
  }

  private parseAnd(depth: number, inBrackets: boolean): Filter {
    let left = this.parseUnary(depth, inBrackets)
    while (this.keyword(this.peek(), 'and')) {
      this.next()
      left = { op: 'and', left, right: this.parseUnary(depth, inBrackets) }
    }
    return left
  }

  private parseUnary(depth: number, inBrackets: boolean): Filter {
    const t = this.peek()
    if (this.keyword(t, 'not')) {
      this.next()
      return { op: 'not', filter: this.parseUnary(this.deeper(depth, t), inBrackets) }
    }
    if (t.kind === '(') {
      this.next()
      const inner = this.parseOr(this.deeper(depth, t), inBrackets)
      this.expect(')', `to close the '(' at position ${t.pos}`)
      return inner
    }
    return this.attrExp(depth, inBrackets)
  }

  private attrExp(depth: number, inBrackets: boolean): Filter {
    const path = this.path('an attribute name, "not" or "("')
    if (this.peek().kind !== '[') return this.comparison(path)
    if (inBrackets) throw invalidFilter(`value paths cannot be nested (at position ${this.peek().pos})`)
    this.valuePathTarget(path)
    const filter = this.bracket(depth)
    if (this.peek().kind !== '.') return { op: 'valuePath', path, filter }
    // Entra's `emails[type eq "work"].value eq "x"`: same element, so fold into the brackets.
    const sub = this.subAfterBracket()
    return { op: 'valuePath', path, filter: { op: 'and', left: filter, right: this.comparison({ attr: sub }) } }
  }

  /** `[ valFilter ]`, the opening bracket being the next token. */
  bracket(depth: number): Filter {
    const open = this.next()
    const inner = this.parseOr(this.deeper(depth, open), true)
    this.expect(']', `to close the '[' at position ${open.pos}`)
    return inner
  }

  valuePathTarget(path: AttrPath): void {
    if (path.sub !== undefined) {
      throw invalidFilter(`a value filter '[' cannot follow the sub-attribute "${path.attr}.${path.sub}" (at position ${this.peek().pos})`)
    }
  }

  subAfterBracket(): string {
    this.next()
    const t = this.next()
    if (t.kind !== 'word' || !ATTR_NAME.test(t.text)) {
      throw invalidFilter(`expected a sub-attribute name after "]." at position ${t.pos}`)
    }
    return t.text
  }

  private comparison(path: AttrPath): Filter {
    const t = this.next()
    const op = t.kind === 'word' ? t.text.toLowerCase() : ''
    if (op === 'pr') return { op: 'pr', path }
    if (!(COMPARE_OPS as readonly string[]).includes(op)) {
      throw invalidFilter(
        `expected a comparison operator after "${showPath(path)}" at position ${t.pos}, found ${describe(t)} (operators: eq, ne, co, sw, ew, gt, ge, lt, le, pr)`,
      )
    }
    return { op: op as CompareOp, path, value: this.value(op) }
  }

  private value(op: string): Value {
    const t = this.next()
    if (t.kind === 'string' || t.kind === 'number') return t.value
    if (t.kind === 'word') {
      const w = t.text.toLowerCase()
      if (w === 'true') return true
      if (w === 'false') return false
      if (w === 'null') return null
    }
    throw invalidFilter(`expected a value (a quoted string, number, true, false or null) after "${op}" at position ${t.pos}, found ${describe(t)}`)
  }

  path(expected: string): AttrPath {
    const t = this.next()
    // A dangling `and`/`or` is a missing operand, not an attribute named "and".
    if (t.kind !== 'word' || this.keyword(t, 'and') || this.keyword(t, 'or')) {
      throw invalidFilter(`expected ${expected} at position ${t.pos}, found ${describe(t)}`)
    }
    return toAttrPath(t)
  }

  private expect(kind: ')' | ']', why: string): void {
    const t = this.next()
    if (t.kind !== kind) throw invalidFilter(`expected '${kind}' at position ${t.pos} (${why}), found ${describe(t)}`)
  }

  expectEnd(what = '"and", "or" or the end of the filter'): void {
    const t = this.peek()
    if (t.kind !== 'end') throw invalidFilter(`expected ${what} at position ${t.pos}, found ${describe(t)}`)
  }
}


/** Splits `[urn:...:]attr[.sub]` at the last ':' (URNs contain dots, e.g. `2.0`). */
function toAttrPath(t: Extract<Token, { kind: 'word' }>): AttrPath {
  const path = splitAttrPath(t.text)
  if ('error' in path) throw invalidFilter(`"${t.text}" at position ${t.pos} is not a valid attribute path: ${path.error}`)
  return path
}

function showPath(p: AttrPath): string {
  return `${p.uri ? `${p.uri}:` : ''}${p.attr}${p.sub ? `.${p.sub}` : ''}`
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'the end of the input'
    case 'word':
      return `"${clip(t.text)}"`
    case 'string':
      return `the string ${JSON.stringify(clip(t.value))}`
    case 'number':
      return `the number ${clip(t.text)}`
    default:
      return `'${t.kind}'`
  }
}

const clip = (s: string) => (s.length > 40 ? `${s.slice(0, 40)}…` : s)
