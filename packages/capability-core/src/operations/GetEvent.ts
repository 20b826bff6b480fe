import type { Event as SchematicEvent } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { exactlyOne, field, Text } from "./inputs.js"

export const GetEventInput = Schema.Struct({
  event_id: Schema.optional(
    field(Text(1, 255), "The id create-event answered (oev_... or evt_...)", "an event id of 1 to 255 characters")
  ),
  idempotency_key: Schema.optional(
    field(Text(1, 255), "The event's idempotency key, yours or the one answered", "text of 1 to 255 characters")
  )
}).pipe(Schema.filter(exactlyOne("event_id", "idempotency_key")))

const Delivery = Schema.Struct({
  state: Schema.Literal("pending", "in_flight", "delivered", "dead_lettered").annotations({
    description:
      "pending: stored, waiting to be sent; in_flight: being sent; delivered: Schematic took it; dead_lettered: refused or too old"
  }),
  attempts: Schema.Number,
  last_error: Schema.NullOr(Schema.String).annotations({
    description: "Why the last send failed, or why it was dead-lettered"
  }),
  finished_at: Schema.NullOr(Schema.String).annotations({ description: "When it was delivered or dead-lettered" })
})

const Processing = Schema.Struct({
  id: Schema.String.annotations({ description: "Schematic's id of the event (evt_...)" }),
  status: Schema.Literal("pending", "enriched", "processed", "failed", "unknown").annotations({
    description: "Schematic's processing: pending and enriched are on the way; processed counted it; failed did not"
  }),
  error_message: Schema.NullOr(Schema.String).annotations({ description: "Why Schematic failed it" }),
  captured_at: Schema.String,
  company_id: Schema.NullOr(Schema.String).annotations({ description: "The company Schematic metered it for" }),
  features: Schema.Array(Schema.Struct({ id: Schema.String, name: Schema.String })).annotations({
    description: "The features its event name meters"
  })
})

export const GetEventOutput = Schema.Struct({
  event_id: Schema.NullOr(Schema.String).annotations({
    description: "Its id here (oev_...), or null when this server holds no record of it"
  }),
  idempotency_key: Schema.NullOr(Schema.String),
  event: Schema.NullOr(Schema.Unknown).annotations({ description: "The event as it was accepted" }),
  accepted_at: Schema.NullOr(Schema.String),
  delivery: Schema.NullOr(Delivery).annotations({
    description: "Its way to Schematic through this server's outbox; null when it holds no record of it"
  }),
  schematic: Schema.NullOr(Processing).annotations({
    description: "What Schematic made of it, once delivered; null while it is not, or when Schematic has no record"
  }),
  next_step: Schema.String.annotations({ description: "What the answer means, and what to do about it" })
})
export type GetEventOutput = typeof GetEventOutput.Type

const iso = (millis: number | null) => (millis === null ? null : new Date(millis).toISOString())

/** What the answer means for whoever asked, and what they can do. */
const nextStep = (held: EventSink.HeldEvent | undefined, upstream: SchematicEvent.Event | undefined): string => {
  if (held?.state === "pending" || held?.state === "in_flight") {
    return "Stored and on its way to Schematic; look again shortly (get-event-delivery-status shows the queue)."
  }
  if (held?.state === "dead_lettered") {
    return [
      "Not delivered: Schematic refused it, or it grew too old to send (see delivery.last_error). Fix the cause, then",
      "requeue it with requeue-dead-letter-events and its event_id."
    ].join(" ")
  }
  if (upstream === undefined) {
    return "Delivered, but Schematic has no event with this key yet: it may still be loading it; look again in a minute."
  }
  switch (upstream.status) {
    case "processed":
      return "Schematic processed it: it counts towards the company's usage."
    case "failed":
      return [
        `Schematic could not apply it: ${upstream.error_message ?? "no reason given"}. Fix the cause (for an unknown`,
        "company or user, create it with upsert-company or upsert-user, with the keys the event names), then send the",
        "event again with a new idempotency_key: Schematic ignores a key it has seen for 24 hours."
      ].join(" ")
    default:
      return "Schematic is processing it; look again shortly."
  }
}

export const getEvent = Operation.make({
  name: "get-event",
  title: "Get an event",
  description:
    'What became of an event: its delivery and Schematic\'s status. If Schematic failed it, fix the cause (e.g. upsert-company for unknown keys) and send it again with a new idempotency_key. Example: {"idempotency_key": "order-1234"}',
  input: GetEventInput,
  output: GetEventOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "events",
  rest: { method: "GET", paths: ["/v1/events/{event_id}", "/v1/events/lookup"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const sink = yield* EventSink.EventSink
      const held = yield* sink.event(
        input.event_id !== undefined ? { id: input.event_id } : { idempotencyKey: input.idempotency_key! }
      )
      const key = held?.idempotencyKey ?? input.idempotency_key
      // Schematic is asked once it has the event, or when this server holds no record of it.
      let upstream: SchematicEvent.Event | undefined
      if (held === undefined || held.state === "delivered") {
        if (key !== undefined) {
          upstream = (yield* withSchematic((client) => client.events.list({ idempotency_key: key, limit: 1 })))[0]
        } else if (input.event_id?.startsWith("evt_")) {
          upstream = yield* withSchematic((client) => client.events.get(input.event_id!)).pipe(
            Effect.catchIf(
              (error) => error.code === "not_found",
              () => Effect.succeed(undefined)
            )
          )
        }
      }
      if (held === undefined && upstream === undefined) {
        return yield* new CapabilityError.CapabilityError({
          code: "not_found",
          message:
            input.event_id !== undefined
              ? `No event ${input.event_id} here (delivered events are kept 48 hours); look it up by its idempotency_key`
              : `No event with the idempotency key ${input.idempotency_key}, here or in Schematic`
        })
      }
      return {
        event_id: held?.id ?? null,
        idempotency_key: key ?? upstream?.idempotency_key ?? null,
        event: held?.event ?? null,
        accepted_at: iso(held?.acceptedAt ?? null),
        delivery:
          held === undefined
            ? null
            : {
                state: held.state,
                attempts: held.attempts,
                last_error: held.lastError,
                finished_at: iso(held.finishedAt)
              },
        schematic:
          upstream === undefined
            ? null
            : {
                id: upstream.id,
                status: upstream.status,
                error_message: upstream.error_message ?? null,
                captured_at: upstream.captured_at,
                company_id: upstream.company_id ?? null,
                features: upstream.features.map((feature) => ({ id: feature.id, name: feature.name }))
              },
        next_step: nextStep(held, upstream)
      }
    }),
  errors: [...CapabilityError.upstreamCodes, "storage_unavailable"]
})
