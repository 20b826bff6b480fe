/**
 * Effects that can also be run without a fiber. A service whose work completes in a callback (the durable outbox's
 * store answers from its own thread) builds its Effect with `make`, from that callback form; `run` then calls the
 * callback form directly when it is there, and runs the Effect in a fiber on the runtime otherwise. Either way the
 * caller gets the same Exit. On ingestion's hot path a fiber a request costs about as much as the rest of the
 * request, and this is how the adapters avoid it; the public forms stay plain Effects.
 *
 * @since 0.1.0
 */
import { Effect, Exit, Runtime } from "effect"

/**
 * The callback form: does the work with `runtime`'s services and calls `done` once with the outcome. It must not
 * throw after it has called `done`.
 */
export type Register<A, E, R> = (runtime: Runtime.Runtime<R>, done: (exit: Exit.Exit<A, E>) => void) => void

const callbackForm = Symbol.for("@schematic-capability/capability-core/Callback")

interface WithCallbackForm<A, E, R> {
  readonly [callbackForm]: Register<A, E, R>
}

/**
 * The Effect of a callback form: run in a fiber it suspends until `done`; run with `run`, no fiber starts. Any
 * combinator applied to the result gives an ordinary Effect (one a fiber runs).
 */
export const make = <A, E, R>(register: Register<A, E, R>): Effect.Effect<A, E, R> => {
  const effect = Effect.flatMap(Effect.runtime<R>(), (runtime) =>
    Effect.async<A, E>((resume) => register(runtime, resume))
  )
  return Object.assign(effect, { [callbackForm]: register } satisfies WithCallbackForm<A, E, R>)
}

/**
 * Runs `effect` on `runtime` and hands its Exit to `done`, once: through its callback form when it has one. A callback
 * form that throws is a defect, as it would be in a fiber.
 */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  runtime: Runtime.Runtime<R>,
  done: (exit: Exit.Exit<A, E>) => void
): void => {
  const register = (effect as Partial<WithCallbackForm<A, E, R>>)[callbackForm]
  if (register === undefined) {
    Runtime.runCallback(runtime)(effect, { onExit: done })
    return
  }
  let called = false
  const once = (exit: Exit.Exit<A, E>) => {
    if (called) return
    called = true
    done(exit)
  }
  try {
    register(runtime, once)
  } catch (defect) {
    once(Exit.die(defect))
  }
}
