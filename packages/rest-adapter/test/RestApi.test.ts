import { createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Callback, CapabilityError, EventSink, Operation, Operations } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Exit, FiberRef, HashMap, HashSet, Layer, Logger, Schema } from "effect"
import { RestApi } from "../src/index.js"

/** An operation whose handler throws as it is built: a bug in a handler must be a 500, never a crash. */
const throwing = Operation.make<{ readonly n: number }, {}, never>({
  name: "throw-on-build",
  title: "Throws",
  description: "A handler that throws before it returns an Effect.",
  input: Schema.Struct({ n: Schema.Number }),
  output: Schema.Struct({}),
  hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
  scope: "write",
  toolset: "insights",
  rest: { method: "POST", paths: ["/v1/throw"], status: 200 },
  handler: () => {
    throw new Error("built wrong")
  },
  errors: []
})

/**
 * Operations whose handlers have a callback form (`Callback.make`), as ingestion's have over the outbox: the callback
 * answers `via: "callback"`; `now-fiber`'s handler is an ordinary Effect, run in a fiber.
 */
const NowOutput = Schema.Struct({ n: Schema.Number, via: Schema.String })
const nowOperation = (
  name: string,
  handler: (input: { readonly n: number }) => Effect.Effect<typeof NowOutput.Type, CapabilityError.CapabilityError>
) =>
  Operation.make<{ readonly n: number }, typeof NowOutput.Type, never>({
    name,
    title: name,
    description: "A test operation with a callback form.",
    input: Schema.Struct({ n: Schema.Number }),
    output: NowOutput,
    hints: { readOnly: false, destructive: false, idempotent: true, openWorld: false },
    scope: "write",
    toolset: "insights",
    rest: { method: "POST", paths: [`/v1/${name}`], status: 201 },
    handler,
    errors: ["conflict"]
  })

/** A callback form that answers later, from another turn of the event loop, as the outbox does. */
const later = <A, E>(exit: Exit.Exit<A, E>) =>
  Callback.make<A, E, never>((_, done) => {
    setImmediate(() => done(exit))
  })

const nowOperations = [
  nowOperation("now-echo", (input) => later(Exit.succeed({ n: input.n, via: "callback" }))),
  nowOperation("now-fiber", (input) => Effect.succeed({ n: input.n, via: "fiber" })),
  nowOperation("now-throws", () =>
    Callback.make(() => {
      throw new Error("callback broke")
    })
  ),
  nowOperation("now-bad-output", () => later(Exit.succeed({ n: "one" as unknown as number, via: "callback" }))),
  nowOperation("now-fails", () =>
    later(Exit.fail(new CapabilityError.CapabilityError({ code: "conflict", message: "taken" })))
  )
]

interface LogLine {
  readonly message: unknown
  readonly annotations: Record<string, unknown>
}

/**
 * The API over loopback in front of a real sandbox, served twice on the same services: on an Effect `HttpServer`
 * (the host path for Effect hosts) and through `RestApi.listener` on plain node:http (as apps/server serves it,
 * where a request body arrives in a callback of its own). Every log line the API writes is kept.
 */
const serveApi = (lines: Array<LogLine>) =>
  Effect.gen(function* () {
    yield* Effect.locallyScopedWith(
      FiberRef.currentLoggers,
      HashSet.add(
        Logger.make(({ annotations, message }) => {
          lines.push({ message, annotations: Object.fromEntries(HashMap.toEntries(annotations)) })
        })
      )
    )
    const upstream = Layer.unwrapEffect(
      Effect.map(SchematicSandbox.url, (baseUrl) =>
        SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
      )
    ).pipe(Layer.provide(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" })))
    const services = Layer.succeedContext(yield* Layer.build(EventSink.direct.pipe(Layer.provideMerge(upstream))))
    const options = { operations: [...Operations.all, throwing, ...nowOperations] }

    const effectHost = yield* Layer.build(
      RestApi.layer(options).pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
        Layer.provide(services)
      )
    )
    const server = createServer(yield* Effect.provide(RestApi.listener(options), services))
    yield* Effect.acquireRelease(
      Effect.promise(() => new Promise<void>((done) => server.listen(0, "127.0.0.1", done))),
      () => Effect.promise(() => new Promise<void>((done) => server.close(() => done())))
    )
    return {
      effectHost: yield* Effect.provide(SchematicSandbox.url, effectHost),
      listener: `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    }
  })

const call = (url: string, init: RequestInit = {}) =>
  Effect.promise(async () => {
    const response = await fetch(url, init)
    return { status: response.status, requestId: response.headers.get("x-request-id"), body: await response.json() }
  })

describe("RestApi", () => {
  it.scoped("answers operations, refusals and unknown routes, each with a request id and one log line", () =>
    Effect.gen(function* () {
      const lines: Array<LogLine> = []
      const base = (yield* serveApi(lines)).effectHost

      const health = yield* call(`${base}/healthz`, { headers: { "x-request-id": "probe-1" } })
      assert.deepStrictEqual([health.status, health.requestId, health.body], [200, "probe-1", { status: "ok" }])

      const upserted = yield* call(`${base}/v1/companies`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ keys: { crm: "acme-1" }, name: "Acme" })
      })
      assert.strictEqual(upserted.status, 200)
      const listed = yield* call(`${base}/v1/companies?q=Acme`)
      assert.deepStrictEqual(
        listed.body.companies.map((company: { name: string; keys: unknown }) => [company.name, company.keys]),
        [["Acme", { crm: "acme-1" }]]
      )

      const refused = yield* call(`${base}/v1/events`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ event_type: "track", body: { event: "", company: { crm: "acme-1" } } })
      })
      assert.strictEqual(refused.status, 400)
      assert.strictEqual(refused.body.error.code, "invalid_input")
      assert.deepStrictEqual(
        refused.body.error.fields.map((field: { path: string }) => field.path),
        ["body.event"]
      )
      assert.strictEqual(refused.body.error.request_id, refused.requestId)

      // The body is read in a callback of its own; a handler that throws after it is still answered.
      const thrown = yield* call(`${base}/v1/throw`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ n: 1 })
      })
      assert.deepStrictEqual([thrown.status, thrown.body.error.code], [500, "internal"])

      const missing = yield* call(`${base}/v1/nothing`)
      assert.deepStrictEqual([missing.status, missing.body.error.code], [404, "not_found"])
      const wrongMethod = yield* Effect.promise(() => fetch(`${base}/v1/companies`, { method: "DELETE" }))
      assert.deepStrictEqual(
        [
          wrongMethod.status,
          wrongMethod.headers.get("allow"),
          ((yield* Effect.promise(() => wrongMethod.json())) as { error: { code: string } }).error.code
        ],
        [405, "GET, POST", "method_not_allowed"]
      )

      const requests = lines.filter((line) => line.message === "request").map((line) => line.annotations)
      assert.deepStrictEqual(
        requests.map((line) => [line.method, line.path, line.status]),
        [
          ["GET", "/healthz", 200],
          ["POST", "/v1/companies", 200],
          ["GET", "/v1/companies", 200],
          ["POST", "/v1/events", 400],
          ["POST", "/v1/throw", 500],
          ["GET", "/v1/nothing", 404],
          ["DELETE", "/v1/companies", 405]
        ]
      )
      assert.strictEqual(requests[0]!.request_id, "probe-1")
      assert.strictEqual(requests[3]!.request_id, refused.requestId)
      for (const line of requests) assert.isNumber(line.duration_ms)
      assert.isTrue(lines.some((line) => line.message === "request died"))
    })
  )

  it.scoped.each(["effectHost", "listener"] as const)(
    "runs an operation's callback form with no fiber, and answers its failures and defects as the fiber's (%s)",
    (host) =>
      Effect.gen(function* () {
        const lines: Array<LogLine> = []
        const base = (yield* serveApi(lines))[host]
        const post = (name: string, body: unknown) =>
          call(`${base}/v1/${name}`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify(body)
          })

        const echoed = yield* post("now-echo", { n: 2 })
        assert.deepStrictEqual([echoed.status, echoed.body], [201, { n: 2, via: "callback" }])
        // Input is decoded first: the callback never sees what the schema refuses.
        const invalid = yield* post("now-echo", { n: "two" })
        assert.deepStrictEqual(
          [invalid.status, invalid.body.error.fields.map((field: { path: string }) => field.path)],
          [400, ["n"]]
        )
        const fiber = yield* post("now-fiber", { n: 3 })
        assert.deepStrictEqual([fiber.status, fiber.body], [201, { n: 3, via: "fiber" }])
        const failed = yield* post("now-fails", { n: 4 })
        assert.deepStrictEqual([failed.status, failed.body.error.code], [409, "conflict"])
        const thrown = yield* post("now-throws", { n: 5 })
        assert.deepStrictEqual([thrown.status, thrown.body.error.code], [500, "internal"])
        const bad = yield* post("now-bad-output", { n: 6 })
        assert.deepStrictEqual([bad.status, bad.body.error.code], [500, "internal"])

        const died = lines.filter((line) => line.message === "request died").map((line) => line.annotations.request_id)
        assert.deepStrictEqual(died, [thrown.requestId, bad.requestId])
        const requests = lines.filter((line) => line.message === "request").map((line) => line.annotations.status)
        assert.deepStrictEqual(requests, [201, 400, 201, 409, 500, 500])
      })
  )

  it.scoped.each(["effectHost", "listener"] as const)(
    "refuses a body past its limit as soon as it passes it, without waiting for the rest (%s)",
    (host) =>
      Effect.gen(function* () {
        const base = (yield* serveApi([]))[host]
        // Chunked, with no length declared, and never ended: only a reader that stops at the limit can answer.
        const answer = yield* Effect.async<{ status: number; code: string }>((resume) => {
          const request = httpRequest(`${base}/v1/companies`, {
            method: "POST",
            headers: { "content-type": "application/json", "transfer-encoding": "chunked" }
          })
          request.on("response", (response) => {
            let text = ""
            response.on("data", (chunk) => {
              text += chunk
            })
            response.on("end", () => {
              resume(Effect.succeed({ status: response.statusCode ?? 0, code: JSON.parse(text).error.code }))
              request.destroy()
            })
          })
          request.on("error", () => undefined)
          request.write(`{"keys": {"crm": "${"x".repeat(2 * 1024 * 1024)}"`)
          return Effect.sync(() => request.destroy())
        }).pipe(Effect.timeout("10 seconds"))
        assert.deepStrictEqual(answer, { status: 413, code: "payload_too_large" })
      })
  )
})
