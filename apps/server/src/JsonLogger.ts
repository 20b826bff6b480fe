/**
 * One JSON line per log entry, written straight to a stream. Effect's own JSON logger runs every value through
 * its redacting inspector, which costs as much as serving a small request; these lines hold plain values only
 * (secrets never reach a log call: they are Redacted).
 */
import { Cause, HashMap, Logger } from "effect"

const text = (message: unknown): unknown => {
  const items = Array.isArray(message) ? message : [message]
  const parts = items.map((item) => (typeof item === "string" ? item : item instanceof Error ? item.message : item))
  return parts.length === 1 ? parts[0] : parts
}

/**
 * `toISOString` costs as much as the rest of a line; under load many lines fall in the same
 * millisecond, so the last one's text is kept.
 */
const timestamps = () => {
  let millis = Number.NaN
  let text = ""
  return (date: Date) => {
    const now = date.getTime()
    if (now !== millis) {
      millis = now
      text = date.toISOString()
    }
    return text
  }
}

export const make = (write: (line: string) => void) => {
  const timestamp = timestamps()
  return Logger.make(({ annotations, cause, date, logLevel, message }) => {
    const entry: Record<string, unknown> = {
      timestamp: timestamp(date),
      level: logLevel.label,
      message: text(message)
    }
    if (HashMap.size(annotations) > 0) {
      // forEach walks the map several times faster than its iterator does (Object.fromEntries).
      const fields: Record<string, unknown> = {}
      HashMap.forEach(annotations, (value, key) => {
        fields[key] = value
      })
      entry.annotations = fields
    }
    if (!Cause.isEmpty(cause)) entry.cause = Cause.pretty(cause, { renderErrorCause: true })
    write(`${JSON.stringify(entry)}\n`)
  })
}

/** Replaces the default logger with one writing JSON lines to `write`. */
export const layer = (write: (line: string) => void) => Logger.replace(Logger.defaultLogger, make(write))

/**
 * Lines gathered and written together, at most `maxDelayMillis` (50 by default) after the first of them, or at
 * once when 64 KiB are waiting. A line a request meant a write call a request, and to a file that costs more than
 * most of the request's own work. What is gathered is written before the process exits; a crash that kills it
 * outright loses at most the last `maxDelayMillis` of lines (logs are not the durable record, the outbox is).
 */
export const batched = (
  stream: NodeJS.WritableStream,
  options: { readonly maxDelayMillis?: number } = {}
): ((line: string) => void) => {
  const maxDelay = options.maxDelayMillis ?? 50
  let pending = ""
  let timer: ReturnType<typeof setTimeout> | undefined
  const flush = () => {
    if (timer !== undefined) clearTimeout(timer)
    timer = undefined
    if (pending === "") return
    const text = pending
    pending = ""
    stream.write(text)
  }
  process.on("exit", flush)
  return (line) => {
    if (pending === "") {
      // Unref'd: waiting lines do not keep the process alive; exit writes them.
      timer = setTimeout(flush, maxDelay)
      timer.unref()
    }
    pending += line
    if (pending.length >= 64 * 1024) flush()
  }
}
