/**
 * Request ids: random UUIDs (version 4), as `crypto.randomUUID` makes them. `randomUUID` builds each id from some
 * thirty strings joined one by one, and every request without an id of its own needs one; here the random bytes are
 * drawn for many ids at once and an id's text is written into a buffer, so an id costs one string.
 */
import { randomFillSync } from "node:crypto"

/** Ids whose random bytes are drawn at once (`randomUUID` also draws ahead, for 128). */
const IDS_PER_DRAW = 128

const random = Buffer.alloc(16 * IDS_PER_DRAW)
let next = random.length
const text = Buffer.alloc(36)
const HEX = Buffer.from("0123456789abcdef", "latin1")
const DASH = 0x2d

/** A new random UUID, in lower case: `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx`. */
export const randomRequestId = (): string => {
  if (next === random.length) {
    randomFillSync(random)
    next = 0
  }
  let at = 0
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) text[at++] = DASH
    let byte = random[next + index]!
    // The version (4) and the variant (10xx), as RFC 9562 sets them.
    if (index === 6) byte = (byte & 0x0f) | 0x40
    else if (index === 8) byte = (byte & 0x3f) | 0x80
    text[at++] = HEX[byte >> 4]!
    text[at++] = HEX[byte & 0x0f]!
  }
  next += 16
  return text.toString("latin1", 0, 36)
}
