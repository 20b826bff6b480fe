import { Effect } from "effect"
import * as EventSink from "../EventSink.js"
import * as Operation from "../Operation.js"
import { EmptyInput } from "./inputs.js"

export const getEventDeliveryStatus = Operation.make({
  name: "get-event-delivery-status",
  title: "Get event delivery status",
  description:
    "How events are reaching Schematic: pending, in flight, delivered, dead-lettered, last error. Example: {}",
  input: EmptyInput,
  output: EventSink.DeliveryStatus,
  hints: Operation.hints.readsOutbox,
  scope: "read",
  toolset: "events",
  rest: { method: "GET", paths: ["/v1/events/outbox"], status: 200 },
  handler: () => Effect.flatMap(EventSink.EventSink, (sink) => sink.status),
  errors: ["storage_unavailable", "unavailable"]
})
