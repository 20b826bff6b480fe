/**
 * Emulates Schematic's Core API budgets: separate fixed one-second windows for reads (GET) and writes;
 * past the budget the request is answered 429 with Retry-After, before it does anything. Flag checks and the
 * capture service's `/batch` are an app's hot path, outside those budgets upstream, and are not counted.
 */
const outsideBudgets = (path: string) => path === "/batch" || (path.startsWith("/flags/") && path.endsWith("/check"))

export class RateLimitEmulation {
  private windowStart = 0
  private reads = 0
  private writes = 0

  constructor(private readonly perSecond: number) {}

  /** Seconds to wait when over budget, otherwise undefined (and the request is counted). */
  take(method: string, path: string, now: number): number | undefined {
    if (this.perSecond <= 0 || outsideBudgets(path)) return undefined
    if (now - this.windowStart >= 1000) {
      this.windowStart = now
      this.reads = 0
      this.writes = 0
    }
    const isRead = method === "GET" || method === "HEAD"
    const used = isRead ? this.reads : this.writes
    if (used >= this.perSecond) return Math.max(1, Math.ceil((this.windowStart + 1000 - now) / 1000))
    if (isRead) this.reads++
    else this.writes++
    return undefined
  }
}
