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

/** Summaries still to write when the process exits. */
const unsummarized = new Set<() => void>()

/**
 * What is counted and not yet summed up is written as the process exits: before the host's own exit handlers, which
 * may flush what its loggers hold. One listener for all of them, however many APIs a process builds.
 */
const atExit = (summarize: () => void) => {
  if (unsummarized.size === 0) {
    process.prependListener("exit", () => {
      for (const write of unsummarized) write()
    })
  }
  unsummarized.add(summarize)
}

/** One answered request, as its line names it. */
export type RequestLine = {
  readonly request_id: string
  readonly method: string
  readonly path: string
  readonly status: number
  readonly duration_ms: number
}

/**
 * Request lines, written through `log`: every error (status 400 and over) always, and other requests one by one up to
 * `perSecond` a second (every one when it is not given). Past it, the rest of that second's requests are counted
 * and written as one summary line once the second is over (`requests not logged one by one`: how many, by status,
 * the longest), so a busy server writes a few lines a second rather than one a request, and nothing goes unsaid.
 */
export const requestLines = (
  log: RequestLog,
  options: { readonly perSecond?: number | undefined } = {}
): ((line: RequestLine) => void) => {
  const perSecond = options.perSecond ?? Number.POSITIVE_INFINITY
  if (perSecond === Number.POSITIVE_INFINITY) return (line) => log(LogLevel.Info, "request", line)
  let windowStart = 0
  let written = 0
  let counted = 0
  let statuses: Record<string, number> = {}
  let longest = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  const summarize = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (counted === 0) return
    log(LogLevel.Info, "requests not logged one by one", {
      requests: counted,
      statuses,
      max_duration_ms: longest,
      from: new Date(windowStart).toISOString(),
      seconds: 1
    })
    counted = 0
    statuses = {}
    longest = 0
  }
  atExit(summarize)
  return (line) => {
    if (line.status >= 400) return log(LogLevel.Info, "request", line)
    const now = Date.now()
    if (now - windowStart >= 1000) {
      summarize()
      windowStart = now
      written = 0
    }
    if (written < perSecond) {
      written++
      return log(LogLevel.Info, "request", line)
    }
    counted++
    statuses[line.status] = (statuses[line.status] ?? 0) + 1
    if (line.duration_ms > longest) longest = line.duration_ms
    if (timer === undefined) {
      timer = setTimeout(summarize, windowStart + 1000 - now)
      timer.unref()
    }
  }
}
