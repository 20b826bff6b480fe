import { Effect, Schema } from "effect"
import * as EventSink from "../EventSink.js"
import * as Operation from "../Operation.js"
import { MAX_BATCH } from "./CreateEventBatch.js"

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

export const requeueDeadLetterEvents = Operation.make({
  name: "requeue-dead-letter-events",
  title: "Requeue dead-lettered events",
  description: 'Send dead-lettered events again; keys keep them counted once. Example: {"all": true}',
  input: RequeueInput,
  output: RequeueOutput,
  hints: Operation.hints.repairsOutbox,
  scope: "admin",
  toolset: "events",
  rest: { method: "POST", paths: ["/v1/events/outbox/requeue"], status: 200 },
  handler: (input) =>
    Effect.flatMap(EventSink.EventSink, (sink) => sink.requeue(input)).pipe(Effect.map((requeued) => ({ requeued }))),
  errors: ["storage_unavailable", "unavailable"]
})
