import { randomBytes } from "node:crypto"

const ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

/** An id with Schematic's prefix for the resource (`comp_`, `user_`, `evt_`, ...). */
export const newId = (prefix: string): string => {
  const bytes = randomBytes(16)
  let out = ""
  for (const byte of bytes) out += ALPHABET[byte % ALPHABET.length]
  return `${prefix}_${out}`
}

export const ENVIRONMENT_ID = "env_sandbox"

export const iso = (millis: number | null | undefined): string | null =>
  millis === null || millis === undefined ? null : new Date(millis).toISOString()
