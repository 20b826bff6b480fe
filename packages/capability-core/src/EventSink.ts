/**
 * Where accepted usage events go. The capability's event operations speak to this service only: the direct
 * sink hands each submission to Schematic at once; a durable outbox (package event-outbox) stores it first and
 * delivers it later.
 *
 * @since 0.1.0
 */
import { SchematicClient, Event as SchematicEvent } from "@schematic-capability/schematic-client"
import { Context, Effect, Layer, Schema } from "effect"
import { CapabilityError, fromSchematic } from "./CapabilityError.js"

/** An event in Schematic's shape with its idempotency key settled. */
export type KeyedEvent = SchematicEvent.CreateEventBody & { readonly idempotency_key: string }

export const AcceptedEvent = Schema.Struct({
  id: Schema.String.annotations({ description: "The event's id here; Schematic's evt_... id once delivered directly" }),
  idempotency_key: Schema.String.annotations({ description: "Reuse it when you retry: the event is counted once" }),
  status: Schema.Literal("queued", "delivered").annotations({
    description: "queued: stored durably and on its way to Schematic; delivered: Schematic has it"
  })
})
export interface AcceptedEvent extends Schema.Schema.Type<typeof AcceptedEvent> {}

export const DeliveryStatus = Schema.Struct({
  pending: Schema.Number.annotations({ description: "Stored, waiting to be sent" }),
  in_flight: Schema.Number.annotations({ description: "Being sent right now" }),
  delivered: Schema.Number.annotations({
    description: "Delivered and still kept (delivered events are pruned after the retention period)"
  }),
  dead_lettered: Schema.Number.annotations({
    description: "Refused by Schematic or too old to send; can be re-queued"
  }),
  oldest_pending_age_seconds: Schema.NullOr(Schema.Number),
  last_upstream_error: Schema.NullOr(Schema.Struct({ message: Schema.String, at: Schema.String })),
  durable: Schema.Boolean.annotations({ description: "Whether events are stored before they are acknowledged" })
})
export interface DeliveryStatus extends Schema.Schema.Type<typeof DeliveryStatus> {}

export const DeadLetter = Schema.Struct({
  id: Schema.String,
  idempotency_key: Schema.String,
  event: Schema.Unknown.annotations({ description: "The event as it was accepted" }),
  error: Schema.String.annotations({ description: "Why it was dead-lettered (Schematic's message, or its age)" }),
  attempts: Schema.Number,
  accepted_at: Schema.String,
  dead_lettered_at: Schema.String
})
export interface DeadLetter extends Schema.Schema.Type<typeof DeadLetter> {}

/** What a bulk sync sends: companies or users, each record an identify event. */
export const SyncKind = Schema.Literal("companies", "users")
export type SyncKind = typeof SyncKind.Type

/** One submission of a sync: its events go with the sync's record of what it accepted and refused. */
export interface SyncPart {
  readonly id: string
  readonly kind: SyncKind
  /** Where the records come from; it makes part of each record's idempotency key. */
  readonly source: string
  /** Records of this submission refused before storing: counted, not stored. */
  readonly refused: number
}

/** What a submission of a sync came to. */
export interface SyncReceipt {
  /** Events stored now. */
  readonly stored: number
  /** Events whose idempotency key was already stored (by an earlier call or run): not stored or sent again. */
  readonly existing: number
}

export const SyncStatus = Schema.Struct({
  sync_id: Schema.String,
  kind: SyncKind,
  source: Schema.String,
  accepted: Schema.Number.annotations({
    description:
      "Distinct records accepted, including those an earlier call or run had already accepted; a record sent again " +
      "(a retry) counts once. pending + delivered + failed = accepted"
  }),
  already_accepted: Schema.Number.annotations({
    description:
      "Records sent whose key was already accepted (by an earlier call or run, or a retry of a call): applied once, " +
      "not sent again. Counted at each sending, so it grows with retries"
  }),
  refused: Schema.Number.annotations({
    description: "Records refused as invalid (never stored), with those its caller refused before sending"
  }),
  pending: Schema.Number.annotations({ description: "Accepted records waiting to be sent (or being sent)" }),
  delivered: Schema.Number.annotations({ description: "Accepted records Schematic has, each counted once" }),
  failed: Schema.Number.annotations({
    description: "Accepted records Schematic refused or that grew too old to send (dead letters; can be re-queued)"
  }),
  started_at: Schema.String,
  updated_at: Schema.String.annotations({ description: "When records were last added to this sync" }),
  finished_at: Schema.NullOr(Schema.String).annotations({
    description: "When the last accepted record was delivered or failed; null while some are pending"
  })
})
export interface SyncStatus extends Schema.Schema.Type<typeof SyncStatus> {}

/** An accepted event as a durable sink holds it, with where its delivery stands. */
export interface HeldEvent {
  readonly id: string
  readonly idempotencyKey: string
  /** The event as it was accepted, in Schematic's shape. */
  readonly event: KeyedEvent
  readonly state: "pending" | "in_flight" | "delivered" | "dead_lettered"
  readonly attempts: number
  readonly lastError: string | null
  readonly acceptedAt: number
  /** When it was delivered or dead-lettered. */
  readonly finishedAt: number | null
}

/** An event named by the id it was answered with, or by its idempotency key. */
export type EventRef = { readonly id: string } | { readonly idempotencyKey: string }

export interface EventSinkShape {
  /**
   * Accepts all the events or none (validation happened before). Answers in the order given. A sink whose store
   * answers in a callback builds this with `Callback.make`, so adapters can take the answer without a fiber.
   */
  readonly submit: (events: ReadonlyArray<KeyedEvent>) => Effect.Effect<ReadonlyArray<AcceptedEvent>, CapabilityError>
  /**
   * Accepts a sync's events all together or not at all, with the sync's record of them (created by its first
   * submission). A key already stored is not stored again, and counts towards this sync as already accepted.
   */
  readonly submitSync: (
    events: ReadonlyArray<KeyedEvent>,
    sync: SyncPart
  ) => Effect.Effect<SyncReceipt, CapabilityError>
  /** A sync's progress; fails with `not_found` when there is no such sync (or it is older than the retention). */
  readonly syncStatus: (id: string) => Effect.Effect<SyncStatus, CapabilityError>
  /**
   * The event `ref` names as this sink holds it, or undefined: a sink that holds nothing (the direct one), an event
   * never accepted here, or one delivered and since pruned.
   */
  readonly event: (ref: EventRef) => Effect.Effect<HeldEvent | undefined, CapabilityError>
  /** Fails while the sink cannot take events (its storage failed), saying why; what /readyz reports. */
  readonly ready: Effect.Effect<void, CapabilityError>
  readonly status: Effect.Effect<DeliveryStatus, CapabilityError>
  readonly deadLetters: (page: {
    readonly limit: number
    readonly offset: number
  }) => Effect.Effect<ReadonlyArray<DeadLetter>, CapabilityError>
  /** Moves dead-lettered events back to pending; answers how many moved. */
  readonly requeue: (target: {
    readonly ids?: ReadonlyArray<string> | undefined
    readonly all?: boolean | undefined
  }) => Effect.Effect<number, CapabilityError>
}

export class EventSink extends Context.Tag("@schematic-capability/capability-core/EventSink")<
  EventSink,
  EventSinkShape
>() {}

/** Syncs the direct sink remembers, the newest; an older one answers `not_found`. */
const DIRECT_SYNCS_KEPT = 1000

/** Record keys the direct sink remembers across its syncs; past it, the oldest syncs are forgotten (not the newest). */
const DIRECT_KEYS_KEPT = 1_000_000

interface DirectSync {
  readonly kind: SyncKind
  readonly source: string
  /** The keys of its records, so a record sent again counts once. */
  readonly keys: Set<string>
  existing: number
  refused: number
  readonly startedAt: number
  updatedAt: number
}

/**
 * Sends each submission straight to Schematic (`POST /event-batch`) and answers once it has it. Nothing is
 * stored here, so nothing is ever pending or dead-lettered. A sync's events go in batches of Schematic's largest
 * (1000), one after another: when one fails, those before it are delivered, and sending the records again is safe
 * (their idempotency keys are the same). Syncs are remembered in memory, for this process's life, with their
 * records' keys: a record sent again (a retry) is one record, and counts as already accepted.
 */
export const direct: Layer.Layer<EventSink, never, SchematicClient.SchematicClient> = Layer.effect(
  EventSink,
  Effect.map(SchematicClient.SchematicClient, (client) => {
    const deliver = (events: ReadonlyArray<KeyedEvent>) =>
      client.events.createBatch({ events }).pipe(Effect.mapError(fromSchematic))
    const syncs = new Map<string, DirectSync>()
    let keysKept = 0
    const forget = (id: string) => {
      keysKept -= syncs.get(id)?.keys.size ?? 0
      syncs.delete(id)
    }
    const shape: EventSinkShape = {
      submit: (events) =>
        Effect.map(deliver(events), (batch) =>
          events.map((event, index) => ({
            id: batch.events[index]?.event_id ?? event.idempotency_key,
            idempotency_key: event.idempotency_key,
            status: "delivered" as const
          }))
        ),
      submitSync: (events, part) =>
        Effect.gen(function* () {
          for (let start = 0; start < events.length; start += SchematicEvent.MAX_BATCH_SIZE) {
            yield* deliver(events.slice(start, start + SchematicEvent.MAX_BATCH_SIZE))
          }
          const now = Date.now()
          const sync = syncs.get(part.id) ?? {
            kind: part.kind,
            source: part.source,
            keys: new Set<string>(),
            existing: 0,
            refused: 0,
            startedAt: now,
            updatedAt: now
          }
          const known = sync.keys.size
          let existing = 0
          for (const event of events) {
            if (sync.keys.has(event.idempotency_key)) existing++
            else sync.keys.add(event.idempotency_key)
          }
          keysKept += sync.keys.size - known
          sync.existing += existing
          sync.refused += part.refused
          sync.updatedAt = now
          syncs.delete(part.id)
          syncs.set(part.id, sync)
          while (syncs.size > DIRECT_SYNCS_KEPT || (keysKept > DIRECT_KEYS_KEPT && syncs.size > 1)) {
            forget(syncs.keys().next().value!)
          }
          return { stored: events.length - existing, existing }
        }),
      syncStatus: (id) => {
        const sync = syncs.get(id)
        if (sync === undefined) return Effect.fail(unknownSync(id))
        return Effect.succeed({
          sync_id: id,
          kind: sync.kind,
          source: sync.source,
          accepted: sync.keys.size,
          already_accepted: sync.existing,
          refused: sync.refused,
          pending: 0,
          delivered: sync.keys.size,
          failed: 0,
          started_at: new Date(sync.startedAt).toISOString(),
          updated_at: new Date(sync.updatedAt).toISOString(),
          finished_at: new Date(sync.updatedAt).toISOString()
        })
      },
      status: Effect.succeed({
        pending: 0,
        in_flight: 0,
        delivered: 0,
        dead_lettered: 0,
        oldest_pending_age_seconds: null,
        last_upstream_error: null,
        durable: false
      }),
      ready: Effect.void,
      event: () => Effect.succeed(undefined),
      deadLetters: () => Effect.succeed([]),
      requeue: () => Effect.succeed(0)
    }
    return shape
  })
)

/** The answer for a sync id that names no sync. */
export const unknownSync = (id: string): CapabilityError =>
  new CapabilityError({ code: "not_found", message: `No sync ${id} (syncs are kept as long as delivered events)` })
