import { randomBytes } from "node:crypto"

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

let pool = Buffer.alloc(0)
let poolOffset = 0

/**
 * An id with Schematic's prefix for the resource (`comp_`, `user_`, `evt_`, ...). Random bytes come from a
 * pooled buffer: one crypto call per 4 KiB rather than per id, which matters at a thousand events a batch.
 */
export const newId = (prefix: string): string => {
  if (poolOffset + 16 > pool.length) {
    pool = randomBytes(4096)
    poolOffset = 0
  }
  let out = ""
  for (let i = 0; i < 16; i++) out += ALPHABET[pool[poolOffset + i]! % ALPHABET.length]
  poolOffset += 16
  return `${prefix}_${out}`
}

export const ENVIRONMENT_ID = "env_sandbox"

export const iso = (millis: number | null | undefined): string | null =>
  millis === null || millis === undefined ? null : new Date(millis).toISOString()
