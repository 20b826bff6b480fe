import { Context, Effect, Either } from "effect"
import type { CapabilityError } from "../CapabilityError.js"
import * as EventSink from "../EventSink.js"

/**
 * An event operation's handler and its callback form (`handleNow`), both built on one pair of functions so that they
 * mean the same: the events `eventsOf` makes of the input go to the sink, and `answer` makes the output of what it
 * accepted. The callback form declines when the sink has no `submitNow`.
 */
export const submitting = <I, O>(
  eventsOf: (input: I) => ReadonlyArray<EventSink.KeyedEvent>,
  answer: (accepted: ReadonlyArray<EventSink.AcceptedEvent>) => O
) => ({
  handler: (input: I): Effect.Effect<O, CapabilityError, EventSink.EventSink> =>
    Effect.map(
      Effect.flatMap(EventSink.EventSink, (sink) => sink.submit(eventsOf(input))),
      answer
    ),
  handleNow: (
    input: I,
    context: Context.Context<EventSink.EventSink>,
    done: (result: Either.Either<O, CapabilityError>) => void
  ): boolean => {
    const submitNow = Context.get(context, EventSink.EventSink).submitNow
    if (submitNow === undefined) return false
    submitNow(eventsOf(input), (result) => done(Either.map(result, answer)))
    return true
  }
})
