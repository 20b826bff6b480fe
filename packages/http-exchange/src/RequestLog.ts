/**
 * Log lines written through a runtime's own loggers (the host's JSON logger, say) without starting a fiber for
 * each: an adapter writes its request lines, and the defects it answers, from plain code.
 *
 * @since 0.1.0
 */
import { Cause, FiberId, FiberRef, FiberRefs, HashMap, LogLevel, type Runtime } from "effect"

/** A log writer on `runtime`: annotations are the runtime's plus the line's; the minimum level is the runtime's. */
export const make = <R>(runtime: Runtime.Runtime<R>) => {
  const context = runtime.fiberRefs
  const loggers = FiberRefs.getOrDefault(context, FiberRef.currentLoggers)
  const minimum = FiberRefs.getOrDefault(context, FiberRef.currentMinimumLogLevel)
  const base = FiberRefs.getOrDefault(context, FiberRef.currentLogAnnotations)
  const spans = FiberRefs.getOrDefault(context, FiberRef.currentLogSpan)
  return (
    logLevel: LogLevel.LogLevel,
    message: unknown,
    annotations: Readonly<Record<string, unknown>> = {},
    cause: Cause.Cause<unknown> = Cause.empty
  ): void => {
    if (LogLevel.greaterThan(minimum, logLevel)) return
    // One copy of the runtime's annotations, changed in place, rather than a new map per key.
    const all = HashMap.mutate(base, (map) => {
      for (const key in annotations) HashMap.set(map, key, annotations[key])
    })
    const date = new Date()
    for (const logger of loggers) {
      logger.log({ fiberId: FiberId.none, logLevel, message, cause, context, spans, annotations: all, date })
    }
  }
}

export type RequestLog = ReturnType<typeof make>
