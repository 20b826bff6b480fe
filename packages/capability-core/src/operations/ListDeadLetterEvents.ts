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
  description: 'Events Schematic refused or too old to send, with why; fix, then requeue. Example: {"limit": 50}',
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
