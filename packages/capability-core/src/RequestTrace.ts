/**
 * A request as a trace: when the runtime it runs on has a tracer enabled, each request is a server span (a child of
 * the caller's W3C `traceparent`, when it sends one) holding its operation's span, which holds the upstream calls'.
 * When no tracer is enabled, none of this runs.
 *
 * @since 0.2.0
 */
import { Effect, FiberRef, FiberRefs, type Runtime, Tracer } from "effect"

export interface RequestTrace {
  /** The request's span name, e.g. `POST /v1/events` or `tools/call track-usage-event`. */
  readonly name: string
  /** The caller's `traceparent` header, if it sent one. */
  readonly traceparent?: string | undefined
  readonly attributes?: Readonly<Record<string, unknown>> | undefined
}

/** Whether spans made on `runtime` go anywhere. */
export const enabledOn = <R>(runtime: Runtime.Runtime<R>): boolean =>
  FiberRefs.getOrDefault(runtime.fiberRefs, FiberRef.currentTracerEnabled)

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/

/** The caller's span from a W3C `traceparent` (version 00), or undefined when there is none or it is malformed. */
export const parentOf = (traceparent: string | undefined): Tracer.ExternalSpan | undefined => {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim())
  if (match === null) return undefined
  const [, traceId, spanId, flags] = match as unknown as [string, string, string, string]
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined
  return Tracer.externalSpan({ traceId, spanId, sampled: (Number.parseInt(flags, 16) & 1) === 1 })
}

/** `effect` as the operation `operation` of the request `trace`: the operation's span inside the request's. */
export const traced = <A, E, R>(
  effect: Effect.Effect<A, E, R>,
  operation: string,
  trace: RequestTrace
): Effect.Effect<A, E, R> => {
  const parent = parentOf(trace.traceparent)
  return effect.pipe(
    Effect.withSpan(operation, { captureStackTrace: false }),
    Effect.withSpan(trace.name, {
      kind: "server",
      captureStackTrace: false,
      ...(trace.attributes === undefined ? {} : { attributes: trace.attributes }),
      ...(parent === undefined ? {} : { parent })
    })
  )
}
