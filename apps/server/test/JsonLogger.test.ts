import { Writable } from "node:stream"
import { it } from "@effect/vitest"
import { Effect, TestClock } from "effect"
import { expect } from "vitest"
import * as JsonLogger from "../src/JsonLogger.js"

it.effect("one JSON line an entry: its time, level, message, annotations and cause", () => {
  const lines: Array<string> = []
  const entries = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>)
  const request = (id: string) => Effect.logInfo("request").pipe(Effect.annotateLogs({ request_id: id, status: 202 }))
  return Effect.gen(function* () {
    yield* TestClock.setTime(Date.UTC(2026, 0, 2, 3, 4, 5, 6))
    yield* request("a")
    yield* request("b")
    // The text of a millisecond is kept for the next line in it, and only for it.
    yield* TestClock.adjust("1 millis")
    yield* request("c")
    yield* TestClock.adjust("2 seconds")
    yield* Effect.logError("failed", new Error("boom"))

    expect(lines.every((line) => line.endsWith("}\n") && !line.slice(0, -1).includes("\n"))).toBe(true)
    expect(entries()).toEqual([
      {
        timestamp: "2026-01-02T03:04:05.006Z",
        level: "INFO",
        message: "request",
        annotations: { request_id: "a", status: 202 }
      },
      {
        timestamp: "2026-01-02T03:04:05.006Z",
        level: "INFO",
        message: "request",
        annotations: { request_id: "b", status: 202 }
      },
      {
        timestamp: "2026-01-02T03:04:05.007Z",
        level: "INFO",
        message: "request",
        annotations: { request_id: "c", status: 202 }
      },
      { timestamp: "2026-01-02T03:04:07.007Z", level: "ERROR", message: ["failed", "boom"] }
    ])
  }).pipe(Effect.provide(JsonLogger.layer((line) => lines.push(line))))
})

it("batched: lines are written together within the delay, and at once when 64 KiB wait", async () => {
  const writes: Array<string> = []
  const stream = new Writable({
    write(chunk, _, done) {
      writes.push(String(chunk))
      done()
    }
  })
  const write = JsonLogger.batched(stream, { maxDelayMillis: 20 })
  write("a\n")
  write("b\n")
  expect(writes).toEqual([])
  await new Promise((resolve) => setTimeout(resolve, 80))
  expect(writes).toEqual(["a\nb\n"])
  write("c\n")
  write(`${"x".repeat(64 * 1024)}\n`)
  expect(writes).toEqual(["a\nb\n", `c\n${"x".repeat(64 * 1024)}\n`])
  // Nothing is left waiting, so nothing more is written.
  await new Promise((resolve) => setTimeout(resolve, 80))
  expect(writes.length).toBe(2)
})
