// Row ids are uuids.
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** Ids arrive from URLs and bodies; anything that is not a uuid names no row. */
export function isUuid(id: unknown): id is string {
  return typeof id === 'string' && UUID.test(id)
}
