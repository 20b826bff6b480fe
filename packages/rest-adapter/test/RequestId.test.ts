import { describe, expect, it } from "vitest"
import { randomRequestId } from "../src/internal/requestId.js"

describe("randomRequestId", () => {
  it("makes version 4 UUIDs, each new, across draws of random bytes", () => {
    const ids = Array.from({ length: 1000 }, randomRequestId)
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(new Set(ids).size).toBe(ids.length)
  })
})
