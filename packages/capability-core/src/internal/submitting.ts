import { Context, Exit } from "effect"
import * as Callback from "../Callback.js"
import type { CapabilityError } from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"

/**
 * An event operation's handler: the events `eventsOf` makes of the input go to the sink, and `answer` makes the
 * output of what it accepted. Built as a callback form, so that over a sink that has one (the durable outbox) an
 * adapter runs the whole operation without a fiber.
 */
export const submitting =
  <I, O>(
    eventsOf: (input: I) => ReadonlyArray<EventSink.KeyedEvent>,
    answer: (accepted: ReadonlyArray<EventSink.AcceptedEvent>) => O
  ) =>
  (input: I) =>
    Callback.make<O, CapabilityError, EventSink.EventSink>((runtime, done) =>
      Callback.run(Context.get(runtime.context, EventSink.EventSink).submit(eventsOf(input)), runtime, (exit) =>
        done(Exit.map(exit, answer))
      )
    )
