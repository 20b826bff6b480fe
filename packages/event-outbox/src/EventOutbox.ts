/**
 * The durable outbox as the capability's `EventSink`: an event is acknowledged only once it is stored, then
 * delivered to Schematic in the background by the delivery worker.
 *
 * When the storage fails (a full disk, an I/O error, a lock held elsewhere, its file deleted, the database down),
 * submissions and the routes that read the outbox (status, dead letters, re-queueing, syncs) fail with
 * `storage_unavailable`, the failure is logged (once when it starts, again if its cause changes, and once when
 * storing works again), and `ready` fails until storing works again. `ready` makes a probe (a small write of the
 * store's own), at most one at a time, so it tells whether storing works now, traffic or not.
 *
 * @since 0.1.0
 */
import { Callback, CapabilityError, EventSink, IdempotentWrites } from "@schematic-capability/capability-core"
import type { SchematicClient } from "@schematic-capability/schematic-client"
import { Cause, type Duration, Effect, Exit, Layer, Option, type Redacted, Runtime } from "effect"
import * as DeliveryWorker from "./DeliveryWorker.js"
import {
  type Appended,
  type OutboxClosed,
  type OutboxFull,
  type OutboxStorageFailed,
  OutboxStore,
  type SyncAppend,
  type SyncCounts
} from "./OutboxStore.js"
import * as PgOutboxStore from "./PgOutboxStore.js"
import * as SqliteOutboxStore from "./SqliteOutboxStore.js"

export interface Options extends Partial<DeliveryWorker.Options> {
  /** The SQLite file of the embedded store (when no `database` is given). */
  readonly filename: string
  /** A PostgreSQL database shared by several replicas, instead of the SQLite file. */
  readonly database?:
    | {
        readonly url: Redacted.Redacted<string>
        readonly lease?: Duration.DurationInput | undefined
        readonly timeout?: Duration.DurationInput | undefined
      }
    | undefined
  readonly maxRows?: number | undefined
  readonly maxBytes?: number | undefined
  readonly busyTimeout?: SqliteOutboxStore.Options["busyTimeout"]
  /** Whether the SQLite file, written by an earlier version, is moved to the current layout (see its store). */
  readonly movesEarlierLayout?: SqliteOutboxStore.Options["movesEarlierLayout"]
}

const iso = (millis: number) => new Date(millis).toISOString()

const accepted = (appended: ReadonlyArray<Appended>): ReadonlyArray<EventSink.AcceptedEvent> =>
  appended.map((item) => ({ id: item.id, idempotency_key: item.idempotencyKey, status: "queued" as const }))

const syncStatus = (counts: SyncCounts): EventSink.SyncStatus => ({
  sync_id: counts.id,
  kind: counts.kind as EventSink.SyncKind,
  source: counts.source,
  accepted: counts.accepted,
  already_accepted: counts.existing,
  refused: counts.refused,
  pending: counts.pending + counts.inFlight,
  delivered: counts.delivered,
  failed: counts.dead,
  started_at: iso(counts.startedAt),
  updated_at: iso(counts.updatedAt),
  finished_at: counts.pending + counts.inFlight > 0 ? null : iso(Math.max(counts.lastFinishedAt ?? 0, counts.updatedAt))
})

/**
 * Runs a log line on the caller's runtime (its logger, and the request's annotations when it has them) from a
 * callback, where there is no fiber. A logger that fails must not keep the caller from its answer.
 */
const logOn = (runtime: Runtime.Runtime<never>, line: Effect.Effect<void> | undefined) => {
  if (line !== undefined) Runtime.runSyncExit(runtime)(line)
}

const refused = (error: OutboxFull | OutboxClosed | OutboxStorageFailed): CapabilityError.CapabilityError => {
  switch (error._tag) {
    case "OutboxFull":
      return new CapabilityError.CapabilityError({ code: "outbox_full", message: error.message, retryAfterSeconds: 5 })
    case "OutboxStorageFailed":
      return new CapabilityError.CapabilityError({
        code: "storage_unavailable",
        message: error.message,
        retryAfterSeconds: 5
      })
    case "OutboxClosed":
      return new CapabilityError.CapabilityError({ code: "unavailable", message: error.message, retryAfterSeconds: 1 })
  }
}

/** An EventSink over a store already in context, with its worker running for as long as the layer lives. */
export const sink = (
  options: Partial<DeliveryWorker.Options> = {}
): Layer.Layer<EventSink.EventSink, never, OutboxStore | SchematicClient.SchematicClient> =>
  Layer.scoped(
    EventSink.EventSink,
    Effect.gen(function* () {
      const store = yield* OutboxStore
      const worker = yield* DeliveryWorker.make(options)
      yield* Effect.forkDaemon(worker.run)
      // Runs before the store closes: the batch in flight finishes; what is pending stays on disk.
      yield* Effect.addFinalizer(() => worker.stop)
      const toStore = (events: ReadonlyArray<EventSink.KeyedEvent>) =>
        events.map((event) => ({ idempotencyKey: event.idempotency_key, payload: JSON.stringify(event) }))

      // The storage failure that the last attempt to store ended with; undefined while storing works.
      let storageFailure: OutboxStorageFailed | undefined
      let probing = false
      /** Records how an attempt to store went; answers the log line it calls for, if any. */
      const noteStorage = (failure: OutboxStorageFailed | undefined): Effect.Effect<void> | undefined => {
        const before = storageFailure
        storageFailure = failure
        if (failure !== undefined) {
          // Once per failure, not per request: while the storage is down every request fails alike.
          return before?.reason === failure.reason
            ? undefined
            : Effect.logError("Event outbox storage failed: events are refused (storage_unavailable)").pipe(
                Effect.annotateLogs({ cause: failure.reason })
              )
        }
        return before === undefined
          ? undefined
          : Effect.logInfo("Event outbox storage works again").pipe(Effect.annotateLogs({ after: before.reason }))
      }

      /**
       * Stores events (of a sync, when given) and answers with `answer` of what was stored. Made from a callback
       * form: run with `Callback.run` (as the adapters do), it runs the store's `append` the same way, so
       * ingestion starts no fiber from the request to the store's answer.
       */
      const storing = <A>(
        events: ReadonlyArray<EventSink.KeyedEvent>,
        sync: SyncAppend | undefined,
        answer: (appended: ReadonlyArray<Appended>) => A
      ) =>
        Callback.make<A, CapabilityError.CapabilityError, never>((runtime, done) =>
          Callback.run(store.append(toStore(events), sync), runtime, (exit) => {
            if (Exit.isSuccess(exit)) {
              worker.wake()
              logOn(runtime, noteStorage(undefined))
              return done(Exit.succeed(answer(exit.value)))
            }
            const failure = Cause.failureOption(exit.cause)
            if (Option.isSome(failure) && failure.value._tag === "OutboxStorageFailed") {
              logOn(runtime, noteStorage(failure.value))
            }
            done(Exit.failCause(Cause.map(exit.cause, refused)))
          })
        )

      const shape: EventSink.EventSinkShape = {
        submit: (events) => storing(events, undefined, accepted),
        submitSync: (events, sync) =>
          storing(events, sync, (appended) => {
            const existing = appended.filter((item) => item.existing).length
            return { stored: appended.length - existing, existing }
          }),
        syncStatus: (id) =>
          Effect.flatMap(Effect.mapError(store.syncStatus(id), refused), (counts) =>
            counts === undefined ? Effect.fail(EventSink.unknownSync(id)) : Effect.succeed(syncStatus(counts))
          ),
        ready: Effect.suspend(() => {
          const failure = storageFailure
          // One probe at a time: while one runs, callers hear of what is already known.
          if (probing) return failure === undefined ? Effect.void : Effect.fail(refused(failure))
          probing = true
          return store.probe.pipe(
            Effect.matchEffect({
              onSuccess: () => noteStorage(undefined) ?? Effect.void,
              onFailure: (error) =>
                Effect.zipRight(
                  (error._tag === "OutboxStorageFailed" ? noteStorage(error) : undefined) ?? Effect.void,
                  Effect.fail(refused(error))
                )
            }),
            Effect.ensuring(Effect.sync(() => (probing = false)))
          )
        }),
        status: Effect.gen(function* () {
          const counts = yield* Effect.mapError(store.counts, refused)
          const lastError = yield* worker.lastError
          return {
            pending: counts.pending,
            in_flight: counts.inFlight,
            delivered: counts.delivered,
            dead_lettered: counts.dead,
            oldest_pending_age_seconds:
              counts.oldestPendingAcceptedAt === null
                ? null
                : Math.max(0, Math.round((Date.now() - counts.oldestPendingAcceptedAt) / 1000)),
            last_upstream_error: lastError === null ? null : { message: lastError.message, at: iso(lastError.at) },
            durable: true
          }
        }),
        event: (ref) =>
          Effect.map(Effect.mapError(store.find(ref), refused), (row) =>
            row === undefined
              ? undefined
              : {
                  id: row.id,
                  idempotencyKey: row.idempotencyKey,
                  event: JSON.parse(row.payload) as EventSink.KeyedEvent,
                  state: row.state === "dead" ? "dead_lettered" : row.state,
                  attempts: row.attempts,
                  lastError: row.error,
                  acceptedAt: row.acceptedAt,
                  finishedAt: row.finishedAt
                }
          ),
        deadLetters: (page) =>
          Effect.map(Effect.mapError(store.deadLetters(page.limit, page.offset), refused), (rows) =>
            rows.map((row) => ({
              id: row.id,
              idempotency_key: row.idempotencyKey,
              event: JSON.parse(row.payload),
              error: row.error,
              attempts: row.attempts,
              accepted_at: iso(row.acceptedAt),
              dead_lettered_at: iso(row.deadAt)
            }))
          ),
        requeue: (target) =>
          Effect.tap(
            Effect.mapError(store.requeue({ ids: target.ids, all: target.all === true }, Date.now()), refused),
            () => Effect.sync(worker.wake)
          )
      }
      return shape
    })
  )

/**
 * Idempotency keys of writes Schematic does not deduplicate (capability-core's `IdempotentWrites`), kept by a store
 * in context: they outlive a restart, and replicas sharing the store share them.
 */
export const idempotentWrites: Layer.Layer<IdempotentWrites.IdempotentWrites, never, OutboxStore> = Layer.effect(
  IdempotentWrites.IdempotentWrites,
  Effect.map(OutboxStore, (store) => ({
    claim: (scope, key, fingerprint, now, takeOver = false) =>
      store.claimWrite(scope, key, fingerprint, now, now - IdempotentWrites.RETENTION_MILLIS, takeOver).pipe(
        Effect.map(
          (claim): IdempotentWrites.Claim =>
            claim._tag === "Done" ? { ...claim, answer: JSON.parse(claim.answer) } : claim
        ),
        Effect.mapError(refused)
      ),
    finish: (scope, key, answer, now) =>
      Effect.mapError(store.finishWrite(scope, key, JSON.stringify(answer), now), refused),
    release: (scope, key) => Effect.mapError(store.releaseWrite(scope, key), refused)
  }))
)

/**
 * The outbox as the capability's EventSink: its store (the SQLite file, or the PostgreSQL database when `database`
 * is given) plus the delivery worker; and the same store keeping idempotency keys (`IdempotentWrites`). Fails when
 * the database cannot be opened.
 */
export const layer = (
  options: Options
): Layer.Layer<
  EventSink.EventSink | IdempotentWrites.IdempotentWrites,
  OutboxStorageFailed,
  SchematicClient.SchematicClient
> =>
  Layer.merge(sink(options), idempotentWrites).pipe(
    Layer.provide(
      options.database === undefined
        ? SqliteOutboxStore.layer({
            filename: options.filename,
            maxRows: options.maxRows,
            maxBytes: options.maxBytes,
            busyTimeout: options.busyTimeout,
            movesEarlierLayout: options.movesEarlierLayout
          })
        : PgOutboxStore.layer({
            url: options.database.url,
            lease: options.database.lease,
            timeout: options.database.timeout,
            maxRows: options.maxRows,
            maxBytes: options.maxBytes
          })
    )
  )
