/**
 * Claimed rows as they cross from the outbox thread to the request thread. Free of SQLite and Effect: both threads
 * load it.
 */
import type { OutboxRow } from "../../OutboxStore.js"
import { outboxRow, type StoredRow } from "../storedRows.js"

/**
 * Claimed rows as they cross to the request thread: a structured clone costs by the number of values, so a batch
 * of rows goes as one array of numbers and two strings rather than as an object and three strings a row (see
 * `unpackClaimed`).
 */
export interface ClaimedBatch {
  /** seq, bytes, attempts and accepted_at of each row. */
  readonly numbers: Float64Array
  /** Each row's id of the first layout, or null; left out when no row has one. */
  readonly legacyIds?: ReadonlyArray<string | null> | undefined
  readonly keyLengths: ReadonlyArray<number>
  readonly keys: string
  readonly payloadLengths: ReadonlyArray<number>
  readonly payloads: string
}

export const packClaimed = (rows: ReadonlyArray<StoredRow>): ClaimedBatch => {
  const numbers = new Float64Array(rows.length * 4)
  const keyLengths: Array<number> = []
  const payloadLengths: Array<number> = []
  let legacy = false
  for (const [index, row] of rows.entries()) {
    numbers[index * 4] = Number(row.seq)
    numbers[index * 4 + 1] = row.bytes
    numbers[index * 4 + 2] = row.attempts
    numbers[index * 4 + 3] = Number(row.accepted_at)
    keyLengths.push(row.idempotency_key.length)
    payloadLengths.push(row.payload.length)
    if (row.legacy_id != null) legacy = true
  }
  return {
    numbers,
    legacyIds: legacy ? rows.map((row) => row.legacy_id ?? null) : undefined,
    keyLengths,
    keys: rows.map((row) => row.idempotency_key).join(""),
    payloadLengths,
    payloads: rows.map((row) => row.payload).join("")
  }
}

/** The rows of a `ClaimedBatch`, as `claim` answers them: their keys and payloads are slices of its two strings. */
export const unpackClaimed = (batch: ClaimedBatch): ReadonlyArray<OutboxRow> => {
  const rows: Array<OutboxRow> = []
  let keyAt = 0
  let payloadAt = 0
  for (let index = 0; index < batch.keyLengths.length; index++) {
    const keyEnd = keyAt + batch.keyLengths[index]!
    const payloadEnd = payloadAt + batch.payloadLengths[index]!
    rows.push(
      outboxRow({
        seq: batch.numbers[index * 4]!,
        legacy_id: batch.legacyIds?.[index],
        idempotency_key: batch.keys.slice(keyAt, keyEnd),
        payload: batch.payloads.slice(payloadAt, payloadEnd),
        bytes: batch.numbers[index * 4 + 1]!,
        attempts: batch.numbers[index * 4 + 2]!,
        accepted_at: batch.numbers[index * 4 + 3]!
      })
    )
    keyAt = keyEnd
    payloadAt = payloadEnd
  }
  return rows
}
