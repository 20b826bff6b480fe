/**
 * The durable outbox as the capability's `EventSink`: an event is acknowledged only once it is stored, then
 * delivered to Schematic in the background by the delivery worker.
 *
 * @since 0.1.0
 */
import { CapabilityError, EventSink } from "@schematic-capability/capability-core"
import type { SchematicClient } from "@schematic-capability/schematic-client"
import { Effect, Either, Layer } from "effect"
import * as DeliveryWorker from "./DeliveryWorker.js"
import { type Appended, type OutboxClosed, type OutboxFull, OutboxStore } from "./OutboxStore.js"
import * as SqliteOutboxStore from "./SqliteOutboxStore.js"

export interface Options extends Partial<DeliveryWorker.Options> {
  /** The SQLite file of the embedded store. */
  readonly filename: string
  readonly maxRows?: number | undefined
  readonly maxBytes?: number | undefined
}

const iso = (millis: number) => new Date(millis).toISOString()

const accepted = (appended: ReadonlyArray<Appended>): ReadonlyArray<EventSink.AcceptedEvent> =>
  appended.map((item) => ({ id: item.id, idempotency_key: item.idempotencyKey, status: "queued" as const }))

const refused = (error: OutboxFull | OutboxClosed): CapabilityError.CapabilityError =>
  error._tag === "OutboxFull"
    ? new CapabilityError.CapabilityError({
        code: "outbox_full",
        status: 503,
        message: error.message,
        retryAfterSeconds: 5
      })
    : new CapabilityError.CapabilityError({
        code: "unavailable",
        status: 503,
        message: error.message,
        retryAfterSeconds: 1
      })

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
      const appendNow = store.appendNow
      const submitNow: EventSink.EventSinkShape["submitNow"] =
        appendNow === undefined
          ? undefined
          : (events, done) =>
              appendNow(toStore(events), (result) => {
                if (Either.isRight(result)) worker.wake()
                done(Either.mapBoth(result, { onLeft: refused, onRight: accepted }))
              })
      const shape: EventSink.EventSinkShape = {
        submitNow,
        submit:
          submitNow === undefined
            ? (events) =>
                store.append(toStore(events)).pipe(
                  Effect.map(accepted),
                  Effect.tap(() => Effect.sync(worker.wake)),
                  Effect.mapError(refused)
                )
            : // An Either is an Effect: the callback's answer resumes the fiber as it is.
              (events) =>
                Effect.async<ReadonlyArray<EventSink.AcceptedEvent>, CapabilityError.CapabilityError>((resume) =>
                  submitNow(events, resume)
                ),
        status: Effect.gen(function* () {
          const counts = yield* store.counts
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
        deadLetters: (page) =>
          Effect.map(store.deadLetters(page.limit, page.offset), (rows) =>
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
          Effect.tap(store.requeue({ ids: target.ids, all: target.all === true }, Date.now()), () =>
            Effect.sync(worker.wake)
          )
      }
      return shape
    })
  )

/** The embedded outbox: SQLite store plus delivery worker, as the capability's EventSink. */
export const layer = (options: Options): Layer.Layer<EventSink.EventSink, never, SchematicClient.SchematicClient> =>
  sink(options).pipe(
    Layer.provide(
      SqliteOutboxStore.layer({ filename: options.filename, maxRows: options.maxRows, maxBytes: options.maxBytes })
    )
  )
