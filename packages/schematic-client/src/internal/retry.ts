import { Duration, Schedule } from "effect"
import type { RetryPolicy } from "../SchematicConfig.js"
import type { SchematicError } from "../SchematicError.js"

/**
 * Whether repeating the request can do it twice upstream. A request upstream refused (429) or that never
 * left (connect failure) is always safe to repeat; after a timeout, a broken connection or a 5xx it is
 * safe only when the operation is idempotent.
 */
export const isRetryable = (error: SchematicError, idempotent: boolean): boolean => {
  switch (error._tag) {
    case "SchematicRateLimited":
      return true
    case "SchematicTransportError":
      return error.reason === "Connect" || idempotent
    case "SchematicUpstreamError":
      return idempotent
    default:
      return false
  }
}

/**
 * Exponential backoff with jitter, bounded by `maxDelay`; a 429's Retry-After wins when it asks for longer.
 */
export const retrySchedule = (policy: RetryPolicy, idempotent: boolean) => {
  const maxDelay = Duration.decode(policy.maxDelay)
  return Schedule.exponential(policy.baseDelay, 2).pipe(
    Schedule.jittered,
    Schedule.intersect(Schedule.identity<SchematicError>()),
    Schedule.modifyDelay(([_, error], delay) => {
      const wanted =
        error._tag === "SchematicRateLimited" && error.retryAfterMillis !== undefined
          ? Duration.max(delay, Duration.millis(error.retryAfterMillis))
          : delay
      return Duration.min(wanted, maxDelay)
    }),
    Schedule.intersect(Schedule.recurs(policy.maxRetries)),
    Schedule.whileInput((error: SchematicError) => isRetryable(error, idempotent))
  )
}
