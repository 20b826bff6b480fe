import { Effect, Schema } from "effect"
import * as EventSink from "../EventSink.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Limit, Offset } from "./inputs.js"

export const ListDeadLettersInput = Schema.Struct({ limit: Limit, offset: Offset })

export const ListDeadLettersOutput = Schema.Struct({
  events: Schema.Array(EventSink.DeadLetter),
  pagination: Views.Pagination
})

export const listDeadLetterEvents = Operation.make({
  name: "list-dead-letter-events",
  title: "List dead-lettered events",
  description: [
    "Events that could not be delivered: Schematic refused them (its message is kept) or they were too old to",
    "send safely. Oldest first, one page at a time. Fix the cause, then requeue them.",
    'Example: {"limit": 50}'
  ].join(" "),
  input: ListDeadLettersInput,
  output: ListDeadLettersOutput,
  hints: Operation.hints.readsOutbox,
  scope: "read",
  toolset: "events",
  rest: { method: "GET", paths: ["/v1/events/outbox/dead-letters"], status: 200 },
  handler: (input) =>
    Effect.flatMap(EventSink.EventSink, (sink) => sink.deadLetters(input)).pipe(
      Effect.map((events) => ({ events, pagination: Views.pagination(input.limit, input.offset, events.length) }))
    ),
  errors: ["storage_unavailable", "unavailable"]
})
