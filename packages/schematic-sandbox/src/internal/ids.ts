import { randomBytes } from "node:crypto"

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

let pool = Buffer.alloc(0)
let poolOffset = 0

/** The time part: milliseconds in 7 characters of the alphabet, which is in ASCII order, so ids sort by time. */
const timePart = (millis: number) => {
  let out = ""
  for (let i = 0; i < 7; i++) {
    out = ALPHABET[millis % ALPHABET.length]! + out
    millis = Math.floor(millis / ALPHABET.length)
  }
  return out
}

/**
 * An id with Schematic's prefix for the resource (`comp_`, `user_`, `evt_`, ...): 7 characters of time, then 9
 * random ones. In time order, each insert lands at the end of the id index rather than at a random page of it
 * (random ids made storing a batch of events several times slower once a table held a few hundred thousand
 * rows). Random bytes come from a pooled buffer: one crypto call per 4 KiB rather than per id.
 */
export const newId = (prefix: string): string => {
  if (poolOffset + 9 > pool.length) {
    pool = randomBytes(4096)
    poolOffset = 0
  }
  let out = timePart(Date.now())
  for (let i = 0; i < 9; i++) out += ALPHABET[pool[poolOffset + i]! % ALPHABET.length]
  poolOffset += 9
  return `${prefix}_${out}`
}

export const ENVIRONMENT_ID = "env_sandbox"

export const iso = (millis: number | null | undefined): string | null =>
  millis === null || millis === undefined ? null : new Date(millis).toISOString()
