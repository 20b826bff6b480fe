/**
 * A request budget per caller (per token name): a token bucket of `perSecond` requests that refills at
 * `perSecond` a second. Past it, callers are told how many seconds to wait.
 *
 * @since 0.1.0
 */

export interface CallerRateLimit {
  /** Takes one request from the caller's budget: undefined when allowed, else seconds to wait. */
  readonly take: (caller: string, now?: number) => number | undefined
}

/** Keeps at most this many callers' buckets; the oldest is forgotten first (a forgotten bucket is full). */
const MAX_CALLERS = 10_000

export const make = (perSecond: number): CallerRateLimit => {
  if (perSecond <= 0) return { take: () => undefined }
  const buckets = new Map<string, { tokens: number; at: number }>()
  return {
    take: (caller, now = Date.now()) => {
      const bucket = buckets.get(caller) ?? { tokens: perSecond, at: now }
      bucket.tokens = Math.min(perSecond, bucket.tokens + ((now - bucket.at) / 1000) * perSecond)
      bucket.at = now
      buckets.delete(caller)
      buckets.set(caller, bucket)
      if (buckets.size > MAX_CALLERS) buckets.delete(buckets.keys().next().value!)
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1
        return undefined
      }
      return Math.max(1, Math.ceil((1 - bucket.tokens) / perSecond))
    }
  }
}

/** No limit. */
export const unlimited: CallerRateLimit = { take: () => undefined }
