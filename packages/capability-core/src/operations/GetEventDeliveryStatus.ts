import { Effect } from "effect"
import * as EventSink from "../EventSink.js"
import * as Operation from "../Operation.js"
import { EmptyInput } from "./inputs.js"

export const getEventDeliveryStatus = Operation.make({
  name: "get-event-delivery-status",
  title: "Get event delivery status",
  description: [
    "How usage events are getting to Schematic: how many are pending, in flight, delivered and dead-lettered,",
    "how old the oldest pending one is, and the last error Schematic answered. Use it to check that tracked",
    "usage is flowing, or why it is not. Takes no input. Example: {}"
  ].join(" "),
  input: EmptyInput,
  output: EventSink.DeliveryStatus,
  hints: Operation.hints.readsOutbox,
  scope: "read",
  toolset: "events",
  rest: { method: "GET", paths: ["/v1/events/outbox"], status: 200 },
  handler: () => Effect.flatMap(EventSink.EventSink, (sink) => sink.status),
  errors: ["storage_unavailable", "unavailable"]
})
