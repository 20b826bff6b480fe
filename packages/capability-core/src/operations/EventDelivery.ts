import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"
import { submitting } from "../internal/submitting.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { CreateEventInput, keyed } from "./CreateEvent.js"
import { EmptyInput } from "./Insights.js"
import { Limit, Offset } from "./inputs.js"

/** Up to 1000 events in one request, accepted all together or not at all. */
export const MAX_BATCH = 1000

export const CreateEventBatchInput = Schema.Struct({
  events: Schema.Array(CreateEventInput).pipe(
    Schema.minItems(1, { message: () => "must have at least one event" }),
    Schema.maxItems(MAX_BATCH, { message: () => `must have at most ${MAX_BATCH} events` })
  )
})

export const CreateEventBatchOutput = Schema.Struct({ events: Schema.Array(EventSink.AcceptedEvent) })

export const createEventBatch: Operation.Operation<
  typeof CreateEventBatchInput.Type,
  typeof CreateEventBatchOutput.Type,
  EventSink.EventSink
> = Operation.make({
  name: "create-event-batch",
  title: "Track usage events in bulk",
  description: [
    "Record up to 1000 events at once, each in create-event's shape. All are validated first: if any is invalid,",
    "none is stored and the error names each bad one (events.3.body.event ...). Each answer carries the event's",
    "idempotency_key; reuse the keys when you retry.",
    'Example: {"events": [{"event_type": "track", "body": {"event": "api-call", "company": {"stripe_customer_id": "cus_1"}}}]}'
  ].join(" "),
  input: CreateEventBatchInput,
  output: CreateEventBatchOutput,
  hints: { readOnly: false, destructive: false, idempotent: false, openWorld: true },
  scope: "write",
  rest: { method: "POST", paths: ["/v1/events/batch"], status: 202, maxBodyBytes: 8 * 1024 * 1024 },
  handler: submitting(
    (input) => input.events.map(keyed),
    (events) => ({ events })
  ),
  errors: CapabilityError.sinkCodes
})

export const getEventDeliveryStatus: Operation.Operation<
  typeof EmptyInput.Type,
  typeof EventSink.DeliveryStatus.Type,
  EventSink.EventSink
> = Operation.make({
  name: "get-event-delivery-status",
  title: "Get event delivery status",
  description: [
    "How usage events are getting to Schematic: how many are pending, in flight, delivered and dead-lettered,",
    "how old the oldest pending one is, and the last error Schematic answered. Use it to check that tracked",
    "usage is flowing, or why it is not. Takes no input. Example: {}"
  ].join(" "),
  input: EmptyInput,
  output: EventSink.DeliveryStatus,
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  scope: "read",
  rest: { method: "GET", paths: ["/v1/events/outbox"], status: 200 },
  handler: () => Effect.flatMap(EventSink.EventSink, (sink) => sink.status),
  errors: ["storage_unavailable", "unavailable"]
})

export const ListDeadLettersInput = Schema.Struct({ limit: Limit, offset: Offset })

export const ListDeadLettersOutput = Schema.Struct({
  events: Schema.Array(EventSink.DeadLetter),
  pagination: Views.Pagination
})

export const listDeadLetterEvents: Operation.Operation<
  typeof ListDeadLettersInput.Type,
  typeof ListDeadLettersOutput.Type,
  EventSink.EventSink
> = Operation.make({
  name: "list-dead-letter-events",
  title: "List dead-lettered events",
  description: [
    "Events that could not be delivered: Schematic refused them (its message is kept) or they were too old to",
    "send safely. Oldest first, one page at a time. Fix the cause, then requeue them.",
    'Example: {"limit": 50}'
  ].join(" "),
  input: ListDeadLettersInput,
  output: ListDeadLettersOutput,
  hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
  scope: "read",
  rest: { method: "GET", paths: ["/v1/events/outbox/dead-letters"], status: 200 },
  handler: (input) =>
    Effect.flatMap(EventSink.EventSink, (sink) => sink.deadLetters(input)).pipe(
      Effect.map((events) => ({ events, pagination: Views.pagination(input.limit, input.offset, events.length) }))
    ),
  errors: ["storage_unavailable", "unavailable"]
})

export const RequeueInput = Schema.Struct({
  ids: Schema.optional(
    Schema.Array(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)))
      .pipe(Schema.minItems(1), Schema.maxItems(MAX_BATCH))
      .annotations({ description: "Ids of dead-lettered events to send again (from list-dead-letter-events)" })
  ),
  all: Schema.optional(Schema.Boolean.annotations({ description: "Requeue every dead-lettered event" }))
}).pipe(
  Schema.filter((input) =>
    (input.ids === undefined) !== (input.all !== true)
      ? true
      : { path: ["ids"], message: "give either ids or all: true" }
  )
)

export const RequeueOutput = Schema.Struct({
  requeued: Schema.Number.annotations({ description: "How many events went back to pending" })
})

export const requeueDeadLetterEvents: Operation.Operation<
  typeof RequeueInput.Type,
  typeof RequeueOutput.Type,
  EventSink.EventSink
> = Operation.make({
  name: "requeue-dead-letter-events",
  title: "Requeue dead-lettered events",
  description: [
    "Send dead-lettered events again: the given ids, or all of them. They keep their idempotency keys, so an event",
    "Schematic already counted is not counted twice.",
    'Example: {"ids": ["oev_123"]} or {"all": true}'
  ].join(" "),
  input: RequeueInput,
  output: RequeueOutput,
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  scope: "admin",
  rest: { method: "POST", paths: ["/v1/events/outbox/requeue"], status: 200 },
  handler: (input) =>
    Effect.flatMap(EventSink.EventSink, (sink) => sink.requeue(input)).pipe(Effect.map((requeued) => ({ requeued }))),
  errors: ["storage_unavailable", "unavailable"]
})
