/**
 * What the client tells an observer (metrics, for instance) about its calls to Schematic: each attempt with its
 * route, status and time, and the time a call waited on the client's rate budget. By default nobody listens, and the
 * client does none of this work.
 *
 * @since 0.2.0
 */
import { Context } from "effect"

export interface Attempt {
  readonly method: string
  /** The path with its ids as templates, e.g. `/companies/{id}`. */
  readonly route: string
  /** The HTTP status, or 0 when no answer came (a timeout, a refused connection). */
  readonly status: number
  readonly seconds: number
  /** Whether it repeats a failed attempt of the same call. */
  readonly retry: boolean
}

export interface UpstreamObserverShape {
  readonly attempt: (attempt: Attempt) => void
  readonly budgetWait: (kind: "read" | "write", seconds: number) => void
}

/** Listens to nothing: the default. */
export const none: UpstreamObserverShape = { attempt: () => {}, budgetWait: () => {} }

export class UpstreamObserver extends Context.Reference<UpstreamObserver>()(
  "@schematic-capability/schematic-client/UpstreamObserver",
  { defaultValue: () => none }
) {}
