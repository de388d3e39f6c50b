// Tokens of the filter grammar (RFC 7644 §3.4.2.2). Attribute paths, operators and
// the literals true/false/null are all `word`s; the parser tells them apart by
// position. Positions are 1-based character offsets, as shown in error details.
import { PATH_WORD as WORD } from '../../schema/path'
import { invalidFilter } from '../errors'

// A word starts like an ATTRNAME, a URN or `$ref` and runs over the characters of
// a full path (`urn:...:2.0:User:name.givenName`).

export type Token =
  | { kind: 'word'; text: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: '(' | ')' | '[' | ']' | '.' | 'end'; pos: number }

// JSON number (RFC 8259 §6).
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y
const PUNCT = new Set(['(', ')', '[', ']', '.'])
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' }

export function lex(text: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < text.length) {
    const c = text[i]!
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: c as '(' | ')' | '[' | ']' | '.', pos: i + 1 })
      i++
    } else if (c === '"') {
      const { value, end } = lexString(text, i)
      tokens.push({ kind: 'string', value, pos: i + 1 })
      i = end
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(text)
      if (!m) throw invalidFilter(`expected a number at position ${i + 1}`)
      const value = Number(m[0])
      if (!Number.isFinite(value)) throw invalidFilter(`number ${m[0]} at position ${i + 1} is out of range`)
      tokens.push({ kind: 'number', value, text: m[0], pos: i + 1 })
      i += m[0].length
    } else {
      WORD.lastIndex = i
      const m = WORD.exec(text)
      if (!m) throw invalidFilter(`unexpected character ${describeChar(c)} at position ${i + 1}`)
      tokens.push({ kind: 'word', text: m[0], pos: i + 1 })
      i += m[0].length
    }
  }
  tokens.push({ kind: 'end', pos: text.length + 1 })
  return tokens
}

/** A JSON string literal starting at `start` (the opening quote). */
function lexString(text: string, start: number): { value: string; end: number } {
  let out = ''
  let i = start + 1
  while (i < text.length) {
    const c = text[i]!
    if (c === '"') return { value: out, end: i + 1 }
    if (c === '\\') {
      const e = text[i + 1]
      if (e === 'u') {
        const hex = text.slice(i + 2, i + 6)
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw invalidFilter(`expected 4 hex digits after \\u at position ${i + 1}`)
        const code = parseInt(hex, 16)
        // Postgres text cannot hold NUL; refuse it here rather than fail in the driver.
        if (code === 0) throw invalidFilter(`NUL characters are not allowed (\\u0000 at position ${i + 1})`)
        out += String.fromCharCode(code)
        i += 6
      } else if (e !== undefined && e in ESCAPES) {
        out += ESCAPES[e]
        i += 2
      } else {
        throw invalidFilter(`invalid escape ${e === undefined ? '\\' : `\\${e}`} in string at position ${i + 1}`)
      }
    } else if (c < ' ') {
      throw invalidFilter(
        c === '\0'
          ? `NUL characters are not allowed (at position ${i + 1})`
          : `control character ${describeChar(c)} must be escaped in a string (at position ${i + 1})`,
      )
    } else {
      out += c
      i++
    }
  }
  throw invalidFilter(`unterminated string starting at position ${start + 1}: expected a closing '"'`)
}

export function describeChar(c: string): string {
  const code = c.codePointAt(0)!
  return code < 0x20 || code === 0x7f ? `U+${code.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`
}
