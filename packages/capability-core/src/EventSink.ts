/**
 * Where accepted usage events go. The capability's event operations speak to this service only: the direct
 * sink hands each submission to Schematic at once; a durable outbox (package event-outbox) stores it first and
 * delivers it later.
 *
 * @since 0.1.0
 */
import type { Event as SchematicEvent } from "@schematic-capability/schematic-client"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { Context, Effect, Layer, Schema } from "effect"
import { type CapabilityError, fromSchematic } from "./CapabilityError.js"

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

export interface EventSinkShape {
  /**
   * Accepts all the events or none (validation happened before). Answers in the order given. A sink whose store
   * answers in a callback builds this with `Callback.make`, so adapters can take the answer without a fiber.
   */
  readonly submit: (events: ReadonlyArray<KeyedEvent>) => Effect.Effect<ReadonlyArray<AcceptedEvent>, CapabilityError>
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

/**
 * Sends each submission straight to Schematic (`POST /event-batch`) and answers once it has it. Nothing is
 * stored here, so nothing is ever pending or dead-lettered.
 */
export const direct: Layer.Layer<EventSink, never, SchematicClient.SchematicClient> = Layer.effect(
  EventSink,
  Effect.map(SchematicClient.SchematicClient, (client) => ({
    submit: (events) =>
      client.events.createBatch({ events }).pipe(
        Effect.map((batch) =>
          events.map((event, index) => ({
            id: batch.events[index]?.event_id ?? event.idempotency_key,
            idempotency_key: event.idempotency_key,
            status: "delivered" as const
          }))
        ),
        Effect.mapError(fromSchematic)
      ),
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
    deadLetters: () => Effect.succeed([]),
    requeue: () => Effect.succeed(0)
  }))
)
