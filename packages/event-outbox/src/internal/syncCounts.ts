/**
 * A sync's counts from its record and its records' events by state, as both stores read them. Kept apart from
 * `OutboxStore.ts` (which loads Effect), so the SQLite store's thread does not load it.
 */
import type { SyncCounts } from "../OutboxStore.js"

/** A sync's record as a store reads it (numbers, or their text). */
export interface SyncRow {
  readonly id: string
  readonly kind: string
  readonly source: string
  readonly accepted: number | string
  readonly existing: number | string
  readonly refused: number | string
  readonly started_at: number | string
  readonly updated_at: number | string
}

/** Its records' events counted by state, with when the last of them finished. */
export interface SyncStateRow {
  readonly state: string
  readonly n: number | string
  readonly finished: number | string | null
}

/** A sync's record and its records' events counted by state, as a store reads them. */
export const syncCounts = (sync: SyncRow, states: ReadonlyArray<SyncStateRow>): SyncCounts => {
  // A record whose event is no longer found was delivered, and pruned since: the stores count it as delivered.
  const count = (state: string) => Number(states.find((row) => row.state === state)?.n ?? 0)
  const finished = Math.max(0, ...states.map((row) => Number(row.finished ?? 0)))
  return {
    id: sync.id,
    kind: sync.kind,
    source: sync.source,
    accepted: Number(sync.accepted),
    existing: Number(sync.existing),
    refused: Number(sync.refused),
    pending: count("pending"),
    inFlight: count("in_flight"),
    delivered: count("delivered"),
    dead: count("dead"),
    startedAt: Number(sync.started_at),
    updatedAt: Number(sync.updated_at),
    lastFinishedAt: finished === 0 ? null : finished
  }
}
