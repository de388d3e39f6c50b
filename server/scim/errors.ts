// The SCIM Error (RFC 7644 §3.12). Everything under the SCIM base that fails is
// rendered from one of these; `status` is a string on the wire.
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  // RFC 9865 §2.4 (cursor pagination)
  | 'invalidCursor'
  | 'expiredCursor'

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error'

export class ScimError extends Error {
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
  ) {
    super(detail)
    this.name = 'ScimError'
  }

  toJSON() {
    return {
      schemas: [ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    }
  }
}

export const invalidFilter = (detail: string) => new ScimError(400, 'invalidFilter', detail)
export const invalidValue = (detail: string) => new ScimError(400, 'invalidValue', detail)
export const invalidSyntax = (detail: string) => new ScimError(400, 'invalidSyntax', detail)
export const invalidPath = (detail: string) => new ScimError(400, 'invalidPath', detail)
export const noTarget = (detail: string) => new ScimError(400, 'noTarget', detail)
export const mutability = (detail: string) => new ScimError(400, 'mutability', detail)
export const uniqueness = (detail: string) => new ScimError(409, 'uniqueness', detail)
export const notFound = (detail: string) => new ScimError(404, undefined, detail)
