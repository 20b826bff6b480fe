/**
 * Storage behind the outbox. The embedded default is SQLite (`SqliteOutboxStore`); the interface is what a
 * store for several replicas (PostgreSQL with `FOR UPDATE SKIP LOCKED` claims) implements.
 *
 * @since 0.1.0
 */
import { Context, Data, type Duration, type Effect } from "effect"

export interface NewEvent {
  readonly idempotencyKey: string
  /** The event as Schematic takes it, JSON. */
  readonly payload: string
}

/** The sync an append belongs to: its record is created by its first append, and counts what each one adds. */
export interface SyncAppend {
  readonly id: string
  readonly kind: string
  readonly source: string
  /** Records of this append's request refused before storing: counted, not stored. */
  readonly refused: number
}

/** A sync's record and the states of its events. */
export interface SyncCounts {
  readonly id: string
  readonly kind: string
  readonly source: string
  /** The sync's distinct records: a record sent again (a retry) is one record. */
  readonly accepted: number
  /** Records sent whose key was already stored (before, or by an earlier submission): counted at each sending. */
  readonly existing: number
  readonly refused: number
  readonly pending: number
  readonly inFlight: number
  /** Delivered, including delivered events already pruned. The states count records: they add up to `accepted`. */
  readonly delivered: number
  readonly dead: number
  readonly startedAt: number
  readonly updatedAt: number
  /** When the last of its events finished (delivered or dead), or null when none has. */
  readonly lastFinishedAt: number | null
}

export interface Appended {
  readonly id: string
  readonly idempotencyKey: string
  /** The key was already stored: this is the first record, and nothing new was stored. */
  readonly existing: boolean
}

export interface OutboxRow {
  readonly seq: number
  readonly id: string
  readonly idempotencyKey: string
  readonly payload: string
  readonly bytes: number
  readonly attempts: number
  readonly acceptedAt: number
}

export interface Counts {
  readonly pending: number
  readonly inFlight: number
  readonly delivered: number
  readonly dead: number
  readonly oldestPendingAcceptedAt: number | null
}

/** Where an event stands in the outbox. */
export type EventState = "pending" | "in_flight" | "delivered" | "dead"

/** An event as the store holds it, with where it stands. */
export interface HeldRow extends OutboxRow {
  readonly state: EventState
  /** The last failure to deliver it (why it was dead-lettered, for a dead event). */
  readonly error: string | null
  /** When it was delivered or dead-lettered. */
  readonly finishedAt: number | null
}

/** An event named by the id it was answered with, or by its idempotency key. */
export type EventRef = { readonly id: string } | { readonly idempotencyKey: string }

/**
 * What claiming an idempotency key for a write found (see capability-core's `IdempotentWrites`): a new key, the
 * answer of the write it was claimed for, or a write begun and not finished. The answer is JSON.
 */
export type WriteClaim =
  | { readonly _tag: "New" }
  | { readonly _tag: "Done"; readonly answer: string; readonly fingerprint: string }
  | { readonly _tag: "Pending"; readonly startedAt: number; readonly fingerprint: string }

export interface DeadRow extends OutboxRow {
  readonly error: string
  readonly deadAt: number
}

/** The outbox holds as much as it may: the caller should retry later. */
export class OutboxFull extends Data.TaggedError("OutboxFull")<{ readonly message: string }> {}

/** The outbox no longer accepts events (shutting down). */
export class OutboxClosed extends Data.TaggedError("OutboxClosed")<{ readonly message: string }> {}

/**
 * The storage itself failed (disk full, an I/O error, the file locked by another process or deleted, the database
 * unreachable or not answering in time): nothing of the request was stored (unless, the database answering too late,
 * it committed as its time ran out: a retry with the same keys stores it once). Unlike a full outbox this says
 * nothing about how much is held, and it lasts until the storage is repaired, so it is told apart: `reason` is the
 * storage's own message, for the log and for /readyz.
 */
export class OutboxStorageFailed extends Data.TaggedError("OutboxStorageFailed")<{
  readonly message: string
  readonly reason: string
}> {}

export interface OutboxStoreShape {
  /**
   * Stores events durably, all or none; a key already stored answers with its first record. A store that answers
   * in a callback builds it with capability-core's `Callback.make`, so that ingestion can run it without a fiber.
   */
  readonly append: (
    events: ReadonlyArray<NewEvent>,
    sync?: SyncAppend | undefined
  ) => Effect.Effect<ReadonlyArray<Appended>, OutboxFull | OutboxClosed | OutboxStorageFailed>
  /** A sync's counts, or undefined when there is no such sync (or it was pruned). */
  readonly syncStatus: (id: string) => Effect.Effect<SyncCounts | undefined, OutboxStorageFailed>
  /**
   * Commits a small write of its own, to tell whether the storage works (readiness, and whether it works again after
   * `append` failed with `OutboxStorageFailed`); no event is stored or changed.
   */
  readonly probe: Effect.Effect<void, OutboxClosed | OutboxStorageFailed>
  /** Marks up to `limit` due events in flight, oldest first, and returns them. */
  readonly claim: (limit: number, now: number) => Effect.Effect<ReadonlyArray<OutboxRow>>
  /**
   * How long a claim holds its rows, in a store that replicas share: past it, another replica may take them over.
   * While it sends them, the worker keeps them with `extendLease`. Undefined where one process owns the store.
   */
  readonly lease: Duration.Duration | undefined
  /** Extends the lease on claimed rows this process still holds in flight; answers how many it still holds. */
  readonly extendLease: (seqs: ReadonlyArray<number>) => Effect.Effect<number>
  /**
   * Marks events Schematic took as delivered, whoever holds them now (their lease may have passed to another
   * replica); answers how many became delivered, which leaves out those already delivered.
   */
  readonly markDelivered: (rows: ReadonlyArray<OutboxRow>, now: number) => Effect.Effect<number>
  /** Puts events this process still holds back to pending until `nextAttemptAt`. */
  readonly markRetry: (seqs: ReadonlyArray<number>, nextAttemptAt: number) => Effect.Effect<void>
  /** Dead-letters events this process still holds; answers how many. */
  readonly markDead: (seqs: ReadonlyArray<number>, error: string, now: number) => Effect.Effect<number>
  /**
   * Dead-letters pending events queued before `queuedBefore` (accepted then, or re-queued by an operator then);
   * answers how many.
   */
  readonly expire: (queuedBefore: number, error: string, now: number) => Effect.Effect<number>
  /** Puts events left in flight by a crash back to pending. */
  readonly recover: Effect.Effect<number>
  /**
   * Claims `key` (of `scope`) for a write asked with `fingerprint`: `New` when no claim made since `expiredBefore`
   * holds it, else what is known of that claim; with `takeOver`, a pending claim is taken as the caller's. Atomic,
   * across replicas sharing the store.
   */
  readonly claimWrite: (
    scope: string,
    key: string,
    fingerprint: string,
    now: number,
    expiredBefore: number,
    takeOver: boolean
  ) => Effect.Effect<WriteClaim, OutboxStorageFailed>
  /** Keeps the answer (JSON) of the write `key` was claimed for. */
  readonly finishWrite: (
    scope: string,
    key: string,
    answer: string,
    now: number
  ) => Effect.Effect<void, OutboxStorageFailed>
  /** Gives a claim up: its write did nothing, so a retry may write. */
  readonly releaseWrite: (scope: string, key: string) => Effect.Effect<void, OutboxStorageFailed>
  /** The event `ref` names, or undefined: never stored here, or delivered and pruned since. */
  readonly find: (ref: EventRef) => Effect.Effect<HeldRow | undefined, OutboxStorageFailed>
  readonly counts: Effect.Effect<Counts, OutboxStorageFailed>
  readonly deadLetters: (limit: number, offset: number) => Effect.Effect<ReadonlyArray<DeadRow>, OutboxStorageFailed>
  readonly requeue: (
    target: { readonly ids?: ReadonlyArray<string> | undefined; readonly all?: boolean },
    now: number
  ) => Effect.Effect<number, OutboxStorageFailed>
  /** Deletes delivered events finished before `before`, and syncs last added to before it. */
  readonly prune: (before: number) => Effect.Effect<number>
  /** The earliest time a pending event becomes due, or a lease ends, on this process's clock; or null. */
  readonly nextDueAt: Effect.Effect<number | null>
  /** Stops accepting; what is stored stays stored. */
  readonly close: Effect.Effect<void>
}

export class OutboxStore extends Context.Tag("@schematic-capability/event-outbox/OutboxStore")<
  OutboxStore,
  OutboxStoreShape
>() {}
