import type { LogLevel } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import { RequestLog } from "../src/index.js"

const written: Array<{ message: unknown; annotations: Readonly<Record<string, unknown>> }> = []
const log: RequestLog.RequestLog = (_level: LogLevel.LogLevel, message, annotations = {}) => {
  written.push({ message, annotations })
}
const line = (status: number, duration = 1): RequestLog.RequestLine => ({
  request_id: `r-${written.length}`,
  method: "POST",
  path: "/v1/events",
  status,
  duration_ms: duration
})

afterEach(() => {
  written.length = 0
  vi.useRealTimers()
})

describe("RequestLog.requestLines", () => {
  it("writes every request by default", () => {
    const write = RequestLog.requestLines(log)
    for (let i = 0; i < 500; i++) write(line(202))
    expect(written).toHaveLength(500)
  })

  it("writes a request a line up to its rate, sums up the rest once the second is over, and writes every error", () => {
    vi.useFakeTimers({ now: Date.parse("2026-01-01T00:00:00Z") })
    const write = RequestLog.requestLines(log, { perSecond: 2 })
    write(line(202, 3))
    write(line(202, 4))
    write(line(202, 9))
    write(line(200, 5))
    write(line(500, 1))
    write(line(400, 2))
    write(line(202, 1))
    expect(written.map((entry) => [entry.message, entry.annotations.status])).toEqual([
      ["request", 202],
      ["request", 202],
      ["request", 500],
      ["request", 400]
    ])
    // No more traffic: the summary is written when the second ends all the same.
    vi.advanceTimersByTime(1000)
    expect(written.at(-1)).toEqual({
      message: "requests not logged one by one",
      annotations: {
        requests: 3,
        statuses: { 200: 1, 202: 2 },
        max_duration_ms: 9,
        from: "2026-01-01T00:00:00.000Z",
        seconds: 1
      }
    })
    // A new second: lines one by one again, and nothing summed up twice.
    write(line(202))
    vi.advanceTimersByTime(5000)
    expect(written.map((entry) => entry.message)).toEqual([
      "request",
      "request",
      "request",
      "request",
      "requests not logged one by one",
      "request"
    ])
  })
})
