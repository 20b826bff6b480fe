/**
 * Claims on idempotency keys of writes, as both stores read them: what a claim already stored on a key tells the
 * next caller. Kept apart from `OutboxStore.ts` (which loads Effect), so the SQLite store's thread does not load it.
 */
import type { OutboxStoreShape, WriteClaim } from "../OutboxStore.js"

/** What claiming a key is asked: the scope and key, the write's fingerprint, now, the expiry and whether to take over. */
export type ClaimWriteArgs = Parameters<OutboxStoreShape["claimWrite"]>

/** A claim as a store reads it (numbers, or their text). */
export interface WriteRow {
  readonly fingerprint: string
  readonly started_at: number | string
  readonly answer: string | null
  readonly finished_at: number | string | null
}

/**
 * What the claim stored on a key answers the caller: its write's answer once finished, or that it is pending (unless
 * the caller takes it over). Undefined when the caller may claim the key: no claim, or one made before
 * `expiredBefore`, or a pending one taken over.
 */
export const heldClaim = (
  row: WriteRow | undefined,
  expiredBefore: number,
  takeOver: boolean
): WriteClaim | undefined => {
  if (row === undefined || Number(row.started_at) < expiredBefore) return undefined
  if (row.finished_at !== null) return { _tag: "Done", answer: row.answer ?? "null", fingerprint: row.fingerprint }
  if (!takeOver) return { _tag: "Pending", startedAt: Number(row.started_at), fingerprint: row.fingerprint }
  return undefined
}
