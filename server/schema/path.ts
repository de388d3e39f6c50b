// Attribute paths (RFC 7644 §3.10): `userName`, `name.givenName`,
// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`. The
// schema resolves them; the filter and PATCH grammars embed them.

/** Names as written by the client; `uri` is the schema URN prefix when one was given. */
export type AttrPath = { uri?: string; attr: string; sub?: string }

export const ATTR_NAME = /^(?:[A-Za-z][A-Za-z0-9_\-]*|\$ref)$/

/** The characters of one whole path, as the filter grammar's word token reads them. */
export const PATH_WORD = /[A-Za-z$][A-Za-z0-9_$:.\-]*/y

/** A path's parts, or why `text` (one word, already delimited) is not a path. */
export function splitAttrPath(text: string): AttrPath | { error: string } {
  const colon = text.lastIndexOf(':')
  const uri = colon >= 0 ? text.slice(0, colon) : undefined
  const rest = text.slice(colon + 1)
  const [attr = '', sub, ...extra] = rest.split('.')
  if (uri !== undefined && !/^urn:/i.test(uri)) return { error: 'only a urn: schema prefix may precede ":"' }
  if (!ATTR_NAME.test(attr)) return { error: attr === '' ? 'missing attribute name' : `"${attr}" is not an attribute name` }
  if (extra.length > 0) return { error: 'at most one sub-attribute is allowed' }
  if (sub !== undefined && !ATTR_NAME.test(sub)) return { error: sub === '' ? 'missing sub-attribute name' : `"${sub}" is not an attribute name` }
  const path: AttrPath = { attr }
  if (uri !== undefined) path.uri = uri
  if (sub !== undefined) path.sub = sub
  return path
}

/** A whole string as one path (surrounding whitespace allowed), or undefined. */
export function attrPathOf(text: string): AttrPath | undefined {
  const word = text.replace(/^[ \t\n\r]+|[ \t\n\r]+$/g, '')
  PATH_WORD.lastIndex = 0
  const m = PATH_WORD.exec(word)
  if (!m || m[0].length !== word.length) return undefined
  const p = splitAttrPath(word)
  return 'error' in p ? undefined : p
}
