import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"
import { submitting } from "../internal/submitting.js"
import * as Operation from "../Operation.js"
import { CreateEventInput, createEvent, keyed, TrackUsageEventInput } from "./CreateEvent.js"

/** Up to 1000 events in one request, accepted all together or not at all. */
export const MAX_BATCH = 1000

export const CreateEventBatchInput = Schema.Struct({
  events: Schema.Array(CreateEventInput).pipe(
    Schema.minItems(1, { message: () => "must have at least one event" }),
    Schema.maxItems(MAX_BATCH, { message: () => `must have at most ${MAX_BATCH} events` })
  )
})

/** For MCP: each event in track-usage-event's flat shape, which an agent fills more reliably than Schematic's. */
export const TrackUsageEventsInput = Schema.Struct({
  events: Schema.Array(TrackUsageEventInput).pipe(
    Schema.minItems(1, { message: () => "must have at least one event" }),
    Schema.maxItems(MAX_BATCH, { message: () => `must have at most ${MAX_BATCH} events` })
  )
})

export const CreateEventBatchOutput = Schema.Struct({ events: Schema.Array(EventSink.AcceptedEvent) })

export const createEventBatch = Operation.make({
  name: "create-event-batch",
  title: "Track usage events in bulk",
  description:
    'Record up to 1000 events in Schematic\'s shape, all or none. Example: {"events": [{"event_type": "track", "body": {"event": "api-call", "company": {"crm_id": "1"}}}]}',
  input: CreateEventBatchInput,
  output: CreateEventBatchOutput,
  hints: Operation.hints.recordsUsage,
  scope: "write",
  toolset: "events",
  rest: { method: "POST", paths: ["/v1/events/batch"], status: 202, maxBodyBytes: 8 * 1024 * 1024 },
  mcp: {
    name: "create-event-batch",
    title: "Track usage events in bulk",
    description:
      'Record up to 1000 events, each as track-usage-event takes it, all or none. Example: {"events": [{"event": "api-call", "company": {"crm_id": "1"}}]}',
    input: TrackUsageEventsInput,
    toInput: (input) => ({ events: input.events.map((event) => createEvent.mcp!.toInput(event)) })
  },
  handler: submitting(
    (input) => input.events.map(keyed),
    (events) => ({ events })
  ),
  errors: CapabilityError.sinkCodes
})
