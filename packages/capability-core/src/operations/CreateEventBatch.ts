import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"
import { submitting } from "../internal/submitting.js"
import * as Operation from "../Operation.js"
import { CreateEventInput, keyed } from "./CreateEvent.js"

/** Up to 1000 events in one request, accepted all together or not at all. */
export const MAX_BATCH = 1000

export const CreateEventBatchInput = Schema.Struct({
  events: Schema.Array(CreateEventInput).pipe(
    Schema.minItems(1, { message: () => "must have at least one event" }),
    Schema.maxItems(MAX_BATCH, { message: () => `must have at most ${MAX_BATCH} events` })
  )
})

export const CreateEventBatchOutput = Schema.Struct({ events: Schema.Array(EventSink.AcceptedEvent) })

export const createEventBatch = Operation.make({
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
  hints: Operation.hints.recordsUsage,
  scope: "write",
  toolset: "events",
  rest: { method: "POST", paths: ["/v1/events/batch"], status: 202, maxBodyBytes: 8 * 1024 * 1024 },
  handler: submitting(
    (input) => input.events.map(keyed),
    (events) => ({ events })
  ),
  errors: CapabilityError.sinkCodes
})
