/**
 * An event's row as both stores read it (numbers, or their text where PostgreSQL answers a `BIGINT` as text) made
 * into what `OutboxStore` answers. Free of Effect: the SQLite store's thread loads it.
 */
import type { DeadRow, EventState, HeldRow, OutboxRow } from "../OutboxStore.js"
import { eventId } from "./eventId.js"

export interface StoredRow {
  readonly seq: number | string
  /** The id an event stored by an outbox of the first layout was answered with (SQLite only; see its schema). */
  readonly legacy_id?: string | null | undefined
  readonly idempotency_key: string
  readonly payload: string
  readonly bytes: number
  readonly attempts: number
  readonly accepted_at: number | string
}

/** A row with how it ended: the last failure to deliver it, and when it was delivered or dead-lettered. */
export interface FinishedRow extends StoredRow {
  readonly last_error: string | null
  readonly finished_at: number | string | null
}

export const outboxRow = (row: StoredRow): OutboxRow => {
  const seq = Number(row.seq)
  const acceptedAt = Number(row.accepted_at)
  return {
    seq,
    id: row.legacy_id ?? eventId(acceptedAt, seq),
    idempotencyKey: row.idempotency_key,
    payload: row.payload,
    bytes: row.bytes,
    attempts: row.attempts,
    acceptedAt
  }
}

export const heldRow = (row: FinishedRow & { readonly state: EventState }): HeldRow => ({
  ...outboxRow(row),
  state: row.state,
  error: row.last_error,
  finishedAt: row.finished_at === null ? null : Number(row.finished_at)
})

export const deadRow = (row: FinishedRow): DeadRow => ({
  ...outboxRow(row),
  error: row.last_error ?? "",
  deadAt: Number(row.finished_at ?? row.accepted_at)
})
