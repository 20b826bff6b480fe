import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { describe, expect, it } from "@effect/vitest"
import { Callback, type CapabilityError, EventSink } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import Database from "better-sqlite3"
import { Context, type Duration, Effect, Exit, Layer, Logger, Schedule, Scope, Supervisor } from "effect"
import { EventOutbox } from "../src/index.js"

// The outbox's worker and the client sleep and time out on real time, so these tests run on the live clock.

const KEY = "sch_dev_sandbox"
const fast = { pollInterval: "20 millis", baseBackoff: "20 millis", maxBackoff: "300 millis" } as const

const freePort = Effect.promise(
  () =>
    new Promise<number>((done) => {
      const server = createServer()
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number }
        server.close(() => done(port))
      })
    })
)

/** A directory removed when the scope closes (after whatever was opened in it later is closed). */
const tempDir = (prefix: string) =>
  Effect.acquireRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), prefix))),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

/** A sandbox on a fixed port (so it can be stopped and started again at the same address), in `scope`. */
const sandboxAt = (port: number, dataDir: string, scope: Scope.Scope, rateLimit = 0) =>
  Layer.buildWithScope(SchematicSandbox.layer({ port, dataDir, rateLimit }), scope).pipe(
    Effect.orDie,
    Effect.as(`http://127.0.0.1:${port}`)
  )

/** A sandbox that runs until the test's scope closes; answers its URL. */
const sandbox = (rateLimit = 0) =>
  Effect.gen(function* () {
    const port = yield* freePort
    return yield* sandboxAt(port, ":memory:", yield* Effect.scope, rateLimit)
  })

/** An outbox (real SQLite file) in front of a client pointed at `url`, open until the test's scope closes. */
const outboxFor = (url: string, options: Partial<EventOutbox.Options> = {}) =>
  Effect.gen(function* () {
    const filename = join(yield* tempDir("outbox-"), "events.db")
    const context = yield* Layer.build(
      EventOutbox.layer({ filename, ...fast, ...options }).pipe(
        Layer.provide(
          SchematicClient.layer({
            apiKey: KEY,
            baseUrl: url,
            readsPerSecond: 0,
            writesPerSecond: 0,
            retry: { maxRetries: 1, baseDelay: "10 millis", maxDelay: "200 millis" }
          })
        )
      )
    )
    return { sink: Context.get(context, EventSink.EventSink), filename }
  })

/** An outbox whose upstream is nowhere: nothing is ever delivered. */
const outboxWithoutUpstream = (options: Partial<EventOutbox.Options> = {}) =>
  Effect.flatMap(freePort, (port) => outboxFor(`http://127.0.0.1:${port}`, options))

const track = (key: string, company = "acme", event = "api-call"): EventSink.KeyedEvent => ({
  event_type: "track",
  body: { event, company: { crm: company }, quantity: 1 },
  idempotency_key: key
})

const until = <E, R>(
  check: Effect.Effect<boolean, E, R>,
  what: string,
  timeout: Duration.DurationInput = "15 seconds"
) =>
  Effect.repeat(check, { until: (done) => done, schedule: Schedule.spaced("25 millis") }).pipe(
    Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`timed out waiting for ${what}`) })
  )

const upstream = (url: string, method: string, path: string, body?: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { "x-schematic-api-key": KEY, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) })
    })
    // biome-ignore lint/suspicious/noExplicitAny: upstream answers are read loosely and asserted on
    return (await response.json()) as { data: any }
  })

/** How many events upstream stored with each idempotency key. */
const upstreamKeys = (url: string) =>
  Effect.gen(function* () {
    const counts = new Map<string, number>()
    for (let offset = 0; ; offset += 250) {
      const page = yield* upstream(url, "GET", `/events?limit=250&offset=${offset}`)
      for (const event of page.data) {
        if (event.idempotency_key) counts.set(event.idempotency_key, (counts.get(event.idempotency_key) ?? 0) + 1)
      }
      if (page.data.length < 250) return counts
    }
  })

const settled = (sink: EventSink.EventSinkShape) =>
  Effect.map(sink.status, (status) => status.pending === 0 && status.in_flight === 0)

const withCompany = (url: string) => upstream(url, "POST", "/companies", { keys: { crm: "acme" }, name: "Acme" })

/** Log lines as a test sees them. */
interface Line {
  readonly level: string
  readonly message: string
  readonly annotations: Record<string, unknown>
}

/** A logger that keeps its lines, for the effect it is provided to. */
const capturing = () => {
  const lines: Array<Line> = []
  const logger = Logger.make<unknown, void>(({ annotations, logLevel, message }) => {
    lines.push({
      level: logLevel.label,
      message: (Array.isArray(message) ? message : [message]).map(String).join(" "),
      annotations: Object.fromEntries(annotations)
    })
  })
  return { lines, layer: Logger.replace(Logger.defaultLogger, logger) }
}

describe("the event outbox", () => {
  it.scopedLive("answers queued once stored, delivers, and stores a repeated key once", () =>
    Effect.gen(function* () {
      const url = yield* sandbox()
      yield* withCompany(url)
      const { sink } = yield* outboxFor(url)
      const first = yield* sink.submit([track("k-1"), track("k-2")])
      expect(first.map((event) => event.status)).toEqual(["queued", "queued"])
      expect(first[0]?.id).toMatch(/^oev_/)
      const again = yield* sink.submit([track("k-1")])
      expect(again[0]?.id).toBe(first[0]?.id)
      yield* until(settled(sink), "delivery")
      expect((yield* sink.status).delivered).toBe(2)
      const keys = yield* upstreamKeys(url)
      expect([keys.get("k-1"), keys.get("k-2")]).toEqual([1, 1])
    })
  )

  it.scopedLive("stores and answers without a fiber when run with Callback.run", () =>
    Effect.gen(function* () {
      const { sink } = yield* outboxWithoutUpstream()
      let fibers = 0
      class Counting extends Supervisor.AbstractSupervisor<void> {
        value = Effect.void
        override onStart() {
          fibers++
        }
      }
      const runtime = yield* Effect.supervised(Effect.runtime<never>(), new Counting())
      const run = <A, E>(effect: Effect.Effect<A, E>) =>
        Effect.async<Exit.Exit<A, E>>((resume) => Callback.run(effect, runtime, (exit) => resume(Effect.succeed(exit))))
      const exit = yield* run(sink.submit([track("nf-1")]))
      expect(Exit.isSuccess(exit) && exit.value.map((event) => event.status)).toEqual(["queued"])
      expect(fibers).toBe(0)
      // The supervisor does see a fiber when an effect has no callback form.
      yield* run(Effect.map(sink.submit([track("nf-2")]), (accepted) => accepted.length))
      expect(fibers).toBe(1)
    })
  )

  it.scopedLive("isolates an event upstream refuses, dead-letters it with upstream's message, and can requeue it", () =>
    Effect.gen(function* () {
      const url = yield* sandbox()
      yield* withCompany(url)
      const other = yield* upstream(url, "POST", "/companies", { keys: { other: "b" }, name: "B" })
      const { sink } = yield* outboxFor(url)
      // Its company keys match two different companies: Schematic refuses the whole batch that carries it.
      const poison: EventSink.KeyedEvent = {
        event_type: "identify",
        body: { keys: { email: "p@x.test" }, company: { keys: { crm: "acme", other: "b" } } },
        idempotency_key: "poison"
      }
      const good = Array.from({ length: 10 }, (_, i) => track(`good-${i}`))
      yield* sink.submit([...good.slice(0, 5), poison, ...good.slice(5)])
      yield* until(settled(sink), "delivery")
      expect(yield* sink.status).toMatchObject({ delivered: 10, dead_lettered: 1 })
      const dead = yield* sink.deadLetters({ limit: 100, offset: 0 })
      expect(dead.map((event) => event.idempotency_key)).toEqual(["poison"])
      expect(dead[0]?.error).toMatch(/match 2 different companies/)
      const keys = yield* upstreamKeys(url)
      expect(good.every((event) => keys.get(event.idempotency_key) === 1)).toBe(true)
      expect(keys.has("poison")).toBe(false)

      // Fix the cause upstream, then requeue: it is delivered, once.
      yield* upstream(url, "DELETE", `/companies/${other.data.id}`)
      expect(yield* sink.requeue({ ids: [dead[0]!.id] })).toBe(1)
      yield* until(settled(sink), "redelivery")
      expect(yield* sink.status).toMatchObject({ delivered: 11, dead_lettered: 0 })
      expect((yield* upstreamKeys(url)).get("poison")).toBe(1)
    })
  )

  it.scopedLive("isolates and dead-letters an event the client refuses to send, and delivers the others", () =>
    Effect.gen(function* () {
      const url = yield* sandbox()
      yield* withCompany(url)
      const { sink } = yield* outboxFor(url)
      // Longer than the 255 characters Schematic takes: the client refuses the batch before sending it.
      const tooLong = track("k".repeat(300))
      const good = Array.from({ length: 6 }, (_, i) => track(`fine-${i}`))
      yield* sink.submit([...good.slice(0, 3), tooLong, ...good.slice(3)])
      yield* until(settled(sink), "delivery")
      expect(yield* sink.status).toMatchObject({ delivered: 6, dead_lettered: 1 })
      const dead = yield* sink.deadLetters({ limit: 100, offset: 0 })
      expect(dead.map((event) => event.idempotency_key)).toEqual([tooLong.idempotency_key])
      expect(dead[0]?.error).toMatch(/^Refused before sending .*idempotency_key/)
      const keys = yield* upstreamKeys(url)
      expect(good.map((event) => keys.get(event.idempotency_key))).toEqual(good.map(() => 1))
    })
  )

  it.scopedLive("keeps events through an upstream outage and delivers them all, once, when it is back", () =>
    Effect.gen(function* () {
      const port = yield* freePort
      const dir = yield* tempDir("outage-")
      const first = yield* Scope.make()
      const url = yield* sandboxAt(port, dir, first)
      yield* withCompany(url)
      yield* Scope.close(first, Exit.void)
      const { sink } = yield* outboxFor(url)
      const keys = Array.from({ length: 40 }, (_, i) => `outage-${i}`)
      for (const key of keys) yield* sink.submit([track(key)])
      yield* until(
        Effect.map(sink.status, (status) => status.last_upstream_error !== null),
        "a recorded upstream error"
      )
      const during = yield* sink.status
      expect(during.pending + during.in_flight).toBe(40)
      expect(during.last_upstream_error?.message).toMatch(/Connect|Connection/)
      yield* sandboxAt(port, dir, yield* Effect.scope)
      yield* until(settled(sink), "delivery after the outage")
      const counts = yield* upstreamKeys(url)
      expect(keys.map((key) => counts.get(key))).toEqual(keys.map(() => 1))
    })
  )

  it.scopedLive(
    "gets everything through a storm of 429s",
    () =>
      Effect.gen(function* () {
        const url = yield* sandbox(2)
        const { sink } = yield* outboxFor(url, { batchSize: 4 })
        const keys = Array.from({ length: 24 }, (_, i) => `storm-${i}`)
        yield* Effect.forEach(keys, (key) => sink.submit([track(key, "nobody")]), { concurrency: "unbounded" })
        yield* until(settled(sink), "delivery through 429s", "30 seconds")
        const counts = yield* upstreamKeys(url)
        expect(keys.map((key) => counts.get(key))).toEqual(keys.map(() => 1))
      }),
    40_000
  )

  it.scopedLive("answers outbox_full (503, retry later) when full, and drops nothing it accepted", () =>
    Effect.gen(function* () {
      const { sink } = yield* outboxWithoutUpstream({ maxRows: 3 })
      expect(yield* sink.submit([track("f-1"), track("f-2"), track("f-3")])).toHaveLength(3)
      const refused = yield* Effect.flip(sink.submit([track("f-4")]))
      expect(refused).toMatchObject({ code: "outbox_full", retryAfterSeconds: 5 })
      expect(refused.status).toBe(503)
      const status = yield* sink.status
      expect(status.pending + status.in_flight).toBe(3)
      // Full is not failed: the sink is still ready.
      yield* sink.ready
    })
  )

  it.scopedLive(
    "answers storage_unavailable while its storage fails, logs the cause once, and is not ready until it works",
    () => {
      const { lines, layer } = capturing()
      return Effect.gen(function* () {
        const url = yield* sandbox()
        yield* withCompany(url)
        // Another connection holds the file's write lock: a real storage failure, whoever runs the test.
        const { sink, filename } = yield* outboxFor(url, { busyTimeout: "50 millis" })
        expect(yield* sink.submit([track("s-1")])).toHaveLength(1)
        yield* sink.ready
        const other = new Database(filename)
        yield* Effect.addFinalizer(() => Effect.sync(() => other.close()))
        other.exec("BEGIN EXCLUSIVE")

        const refused = yield* Effect.flip(sink.submit([track("s-2")]))
        expect(refused).toMatchObject({ code: "storage_unavailable", retryAfterSeconds: 5 })
        expect(refused.status).toBe(503)
        expect(refused.message).toMatch(/could not store the events: .*database is locked/)
        const notReady: CapabilityError.CapabilityError = yield* Effect.flip(sink.ready)
        expect(notReady).toMatchObject({ code: "storage_unavailable" })
        expect(notReady.message).toMatch(/database is locked/)
        // What else needs the storage says so too, rather than failing as an internal error.
        expect(yield* Effect.flip(sink.requeue({ all: true }))).toMatchObject({ code: "storage_unavailable" })
        // A second refusal in the same episode logs nothing more.
        yield* Effect.flip(sink.submit([track("s-3")]))
        const failed = lines.filter((line) => line.message.startsWith("Event outbox storage failed: events"))
        expect(failed).toHaveLength(1)
        expect(failed[0]).toMatchObject({ level: "ERROR" })
        expect(String(failed[0]!.annotations.cause)).toMatch(/SQLITE_BUSY: database is locked/)

        // The lock goes: the next readiness check probes the storage, finds it works, and says so.
        other.exec("ROLLBACK")
        yield* sink.ready
        expect(lines.filter((line) => line.message === "Event outbox storage works again")).toHaveLength(1)
        expect(yield* sink.submit([track("s-2")])).toHaveLength(1)

        // The delivery worker met the lock too; it logged, backed off and went on delivering.
        expect(lines.some((line) => line.message.startsWith("Event outbox storage failed during delivery"))).toBe(true)
        yield* until(settled(sink), "delivery")
        expect(yield* sink.status).toMatchObject({ delivered: 2, dead_lettered: 0 })
        const keys = yield* upstreamKeys(url)
        expect([keys.get("s-1"), keys.get("s-2"), keys.get("s-3")]).toEqual([1, 1, undefined])
      }).pipe(Effect.provide(layer))
    }
  )

  it.scopedLive("dead-letters events it could not deliver within the maximum age", () =>
    Effect.gen(function* () {
      const { sink } = yield* outboxWithoutUpstream({ maxAge: "100 millis" })
      yield* sink.submit([track("old-1")])
      yield* until(
        Effect.map(sink.status, (status) => status.dead_lettered === 1),
        "expiry"
      )
      const dead = yield* sink.deadLetters({ limit: 100, offset: 0 })
      expect(dead[0]?.error).toMatch(/Not delivered within/)
    })
  )

  it.scopedLive("prunes events delivered after it started once they are older than the retention", () =>
    Effect.gen(function* () {
      const url = yield* sandbox()
      yield* withCompany(url)
      const { sink } = yield* outboxFor(url, { retention: "200 millis", pruneInterval: "20 millis" })
      // Delivered well after the worker started: the cutoff must move with time for these to go.
      yield* Effect.sleep("100 millis")
      yield* sink.submit([track("r-1"), track("r-2")])
      yield* until(settled(sink), "delivery")
      expect((yield* upstreamKeys(url)).get("r-1")).toBe(1)
      yield* until(
        Effect.map(sink.status, (status) => status.delivered === 0),
        "delivered events to be pruned",
        "3 seconds"
      )
      expect(yield* sink.status).toMatchObject({ pending: 0, in_flight: 0, delivered: 0, dead_lettered: 0 })
    })
  )
})
