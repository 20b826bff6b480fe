/**
 * An event's id, as both stores make it and read it: `oev_`, then the acceptance time in milliseconds (12 hex
 * digits), then `seq` (20 hex digits): 32 hex digits in time order. Both parts are stored and never change, so the id
 * is stable and storing an event writes no id; `seq` alone makes it unique in its outbox, and the time keeps ids from
 * a wiped and restarted outbox from repeating earlier ones.
 *
 * Free of Effect: the SQLite store's thread loads it.
 */

export const eventId = (acceptedAt: number, seq: number): string => idPrefix(acceptedAt) + seqHex(seq)

/** The first half of an id, the same for every event accepted in the same millisecond. */
export const idPrefix = (acceptedAt: number): string => `oev_${acceptedAt.toString(16).padStart(12, "0")}`

/** The second half of an id. */
export const seqHex = (seq: number): string => seq.toString(16).padStart(20, "0")

/** The id's form. Its `seq` is one a JavaScript number holds exactly: no stored event has a larger one. */
const EVENT_ID = /^oev_([0-9a-f]{12})(0{7}[0-9a-f]{13})$/

/** The stored columns an id names, or undefined when it is not an id of this form. */
export const parseEventId = (id: string): { readonly acceptedAt: number; readonly seq: number } | undefined => {
  const match = EVENT_ID.exec(id)
  return match ? { acceptedAt: Number.parseInt(match[1]!, 16), seq: Number.parseInt(match[2]!, 16) } : undefined
}
