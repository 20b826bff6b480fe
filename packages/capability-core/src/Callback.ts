/**
 * Effects that can also be run without a fiber. A service whose work completes in a callback (the durable outbox's
 * store answers from its own thread) builds its Effect with `make`, from that callback form; `run` then calls the
 * callback form directly when it is there, and runs the Effect in a fiber on the runtime otherwise. Either way the
 * caller gets the same Exit. On ingestion's hot path a fiber a request costs about as much as the rest of the
 * request, and this is how the adapters avoid it; the public forms stay plain Effects.
 *
 * @since 0.1.0
 */
import { Effect, Effectable, Exit, Runtime } from "effect"

/**
 * The callback form: does the work with `runtime`'s services and calls `done` once with the outcome. It must not
 * throw after it has called `done`.
 */
export type Register<A, E, R> = (runtime: Runtime.Runtime<R>, done: (exit: Exit.Exit<A, E>) => void) => void

/**
 * An Effect that is its callback form: nothing more is built for it unless a fiber runs it (`commit`), so ingestion,
 * which runs it with `run`, allocates one object for it a request.
 */
class CallbackEffect<A, E, R> extends Effectable.Class<A, E, R> {
  constructor(readonly register: Register<A, E, R>) {
    super()
  }
  commit(): Effect.Effect<A, E, R> {
    return Effect.flatMap(Effect.runtime<R>(), (runtime) =>
      Effect.async<A, E>((resume) => this.register(runtime, resume))
    )
  }
}

/**
 * The Effect of a callback form: run in a fiber it suspends until `done`; run with `run`, no fiber starts. Any
 * combinator applied to the result gives an ordinary Effect (one a fiber runs).
 */
export const make = <A, E, R>(register: Register<A, E, R>): Effect.Effect<A, E, R> => new CallbackEffect(register)

/**
 * Runs `effect` on `runtime` and hands its Exit to `done`, once: through its callback form when it has one. A callback
 * form that throws is a defect, as it would be in a fiber.
 */
export const run = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  runtime: Runtime.Runtime<R>,
  done: (exit: Exit.Exit<A, E>) => void
): void => {
  if (!(effect instanceof CallbackEffect)) {
    Runtime.runCallback(runtime)(effect, { onExit: done })
    return
  }
  const register = effect.register as Register<A, E, R>
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
