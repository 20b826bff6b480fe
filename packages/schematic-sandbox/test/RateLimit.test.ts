import { describe, expect, it } from "vitest"
import { call, sandboxForSuite } from "./support.js"

describe("rate-limit emulation", () => {
  const sandbox = sandboxForSuite({ rateLimit: 3 })

  it("answers 429 with Retry-After past the read budget, and counts writes apart", async () => {
    const reads = await Promise.all(Array.from({ length: 6 }, () => call(sandbox.url, "GET", "/companies")))
    const limited = reads.filter((response) => response.status === 429)
    expect(reads.filter((response) => response.status === 200).length).toBeLessThanOrEqual(3)
    expect(limited.length).toBeGreaterThanOrEqual(3)
    expect(limited[0]?.body).toEqual({ error: "Rate limit exceeded" })
    expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
    // Writes have their own budget, so reads being over it does not refuse this write.
    const write = await call(sandbox.url, "POST", "/companies", { keys: { crm: "w" } })
    expect([200, 429]).toContain(write.status)
  })
})
