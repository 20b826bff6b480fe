import { assert, layer } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { SchematicClient, SchematicError } from "../src/index.js"
import { API_KEY, clientWithSandbox, misbehavingUpstream } from "./support.js"

const Client = SchematicClient.SchematicClient
const fastRetries = { maxRetries: 6, baseDelay: "20 millis", maxDelay: "1500 millis" } as const

/** `count` calls at once, the `i`th made by `call(i)`: their results in order. */
const atOnce = <Call extends Effect.Effect<unknown, unknown, unknown>>(count: number, call: (i: number) => Call) =>
  Effect.all(
    Array.from({ length: count }, (_, i) => call(i)),
    { concurrency: "unbounded" }
  )

/** Runs `use` with a client pointed at `baseUrl`, then closes the upstream. */
const against = <A, E>(
  upstream: { url: string; close: () => Promise<void> },
  config: Partial<Parameters<typeof SchematicClient.layer>[0]>,
  use: Effect.Effect<A, E, SchematicClient.SchematicClient>
) =>
  use.pipe(
    Effect.provide(SchematicClient.layer({ apiKey: API_KEY, baseUrl: upstream.url, ...config })),
    Effect.ensuring(Effect.promise(() => upstream.close()))
  )

// The sandbox allows 3 reads/s and 3 writes/s: past that it answers 429 with Retry-After: 1.
layer(clientWithSandbox({ rateLimit: 3 }, { retry: { maxRetries: 0 } }), { excludeTestServices: true })(
  "no retries, no client budget",
  (it) => {
    it.effect("a 429 storm surfaces as SchematicRateLimited with upstream's Retry-After", () =>
      Effect.gen(function* () {
        const client = yield* Client
        const results = yield* atOnce(8, () => Effect.either(client.companies.list()))
        const limited = results.flatMap((result) =>
          result._tag === "Left" && result.left._tag === "SchematicRateLimited" ? [result.left] : []
        )
        assert.isAtLeast(limited.length, 5)
        assert.strictEqual(limited[0]?.retryAfterMillis, 1000)
      })
    )
  }
)

layer(clientWithSandbox({ rateLimit: 3 }, { retry: fastRetries }), { excludeTestServices: true })(
  "retries with backoff",
  (it) => {
    it.effect("every call of a 429 storm succeeds, writes included, honouring Retry-After", () =>
      Effect.gen(function* () {
        const client = yield* Client
        const reads = yield* atOnce(7, () => client.companies.count())
        assert.strictEqual(reads.length, 7)
        // Creating a plan is not idempotent, but a 429 means upstream did nothing, so it is retried too.
        const plans = yield* atOnce(5, (i) => client.plans.create({ name: `Plan ${i}`, plan_type: "plan" }))
        assert.strictEqual(new Set(plans.map((plan) => plan.id)).size, 5)
        const listed = yield* client.plans.list({ limit: 100 })
        assert.strictEqual(listed.length, 5)
      })
    )
  }
)

// The client keeps 3/s against an upstream that allows 4/s: the margin absorbs loopback jitter.
layer(clientWithSandbox({ rateLimit: 4 }, { readsPerSecond: 3, writesPerSecond: 3, retry: { maxRetries: 0 } }), {
  excludeTestServices: true
})("the client's own budget", (it) => {
  it.effect("callers wait their turn instead of collecting 429s", () =>
    Effect.gen(function* () {
      const client = yield* Client
      const results = yield* atOnce(9, (i) =>
        i % 3 === 2 ? client.plans.create({ name: `P${i}`, plan_type: "plan" }) : client.companies.count()
      )
      assert.strictEqual(results.length, 9)
    })
  )
})

// Real time throughout (no TestClock): backoff, Retry-After, budgets and timeouts are the subject here.
layer(Layer.empty, { excludeTestServices: true })("failures only a broken upstream shows", (it) => {
  it.effect("a 503 is retried for an upsert but not for an event without an idempotency key", () =>
    Effect.gen(function* () {
      const upstream = yield* Effect.promise(() =>
        misbehavingUpstream((_, response) => {
          response.writeHead(503, { "content-type": "application/json" })
          response.end(JSON.stringify({ error: "maintenance" }))
        })
      )
      yield* against(
        upstream,
        { retry: fastRetries },
        Effect.gen(function* () {
          const client = yield* Client
          const upsert = yield* Effect.flip(client.companies.upsert({ keys: { crm: "x" } }))
          assert.strictEqual(upsert._tag, "SchematicUpstreamError")
          assert.strictEqual(upstream.hits.length, fastRetries.maxRetries + 1)
          upstream.hits.length = 0
          const event = yield* Effect.flip(client.events.create({ event_type: "track", body: { event: "e" } }))
          assert.instanceOf(event, SchematicError.SchematicUpstreamError)
          assert.strictEqual(event.message, "maintenance")
          assert.strictEqual(upstream.hits.length, 1)
          upstream.hits.length = 0
          yield* Effect.flip(
            client.events.create({ event_type: "track", body: { event: "e" }, idempotency_key: "safe" })
          )
          assert.strictEqual(upstream.hits.length, fastRetries.maxRetries + 1)
        })
      )
    })
  )

  it.effect("an unexpected body is a SchematicDecodeError that says where", () =>
    Effect.gen(function* () {
      const upstream = yield* Effect.promise(() =>
        misbehavingUpstream((_, response) => {
          response.writeHead(200, { "content-type": "application/json" })
          response.end(JSON.stringify({ data: { id: 42, name: "x" }, params: {} }))
        })
      )
      const error = yield* against(
        upstream,
        {},
        Effect.flip(Effect.flatMap(Client, (client) => client.plans.get("plan_1")))
      )
      assert.strictEqual(error._tag, "SchematicDecodeError")
      assert.match(error.message, /GET \/plans\/plan_1 .*data\.id: Expected string, actual 42/)
    })
  )

  it.effect("silence is a Timeout; a closed port is a Connect failure", () =>
    Effect.gen(function* () {
      const silent = yield* Effect.promise(() => misbehavingUpstream(() => {}))
      const timeout = yield* against(
        silent,
        { timeout: "150 millis", retry: { maxRetries: 0 } },
        Effect.flip(Effect.flatMap(Client, (client) => client.companies.list()))
      )
      assert.strictEqual(timeout._tag, "SchematicTransportError")
      assert.strictEqual(timeout._tag === "SchematicTransportError" && timeout.reason, "Timeout")

      const closed = yield* Effect.promise(() => misbehavingUpstream(() => {}))
      yield* Effect.promise(() => closed.close())
      const refused = yield* Effect.flip(
        Effect.flatMap(Client, (client) => client.events.create({ event_type: "track", body: { event: "e" } })).pipe(
          Effect.provide(
            SchematicClient.layer({ apiKey: API_KEY, baseUrl: closed.url, retry: { ...fastRetries, maxRetries: 2 } })
          )
        )
      )
      assert.strictEqual(refused._tag, "SchematicTransportError")
      assert.strictEqual(refused._tag === "SchematicTransportError" && refused.reason, "Connect")
    })
  )

  it.effect("an interrupted call aborts its request: upstream sees the connection close, long before the timeout", () =>
    Effect.gen(function* () {
      let closedAfter: number | undefined
      const started = Date.now()
      const silent = yield* Effect.promise(() =>
        misbehavingUpstream((request) => {
          request.socket.on("close", () => {
            closedAfter = Date.now() - started
          })
        })
      )
      const [outcome, closedBeforeCleanup] = yield* against(
        silent,
        { timeout: "10 seconds", retry: { maxRetries: 0 } },
        Effect.flatMap(Client, (client) => client.companies.list()).pipe(
          Effect.timeoutFail({ duration: "200 millis", onTimeout: () => "gave up" as const }),
          Effect.flip,
          // Long enough for the abort to reach upstream; the call's own timeout is 10 s away. Read before the
          // upstream is closed (which closes every connection anyway).
          Effect.zipLeft(Effect.sleep("300 millis")),
          Effect.map((outcome) => [outcome, closedAfter] as const)
        )
      )
      assert.strictEqual(outcome, "gave up")
      assert.strictEqual(silent.hits.length, 1)
      assert.isDefined(closedBeforeCleanup)
      assert.isBelow(closedBeforeCleanup!, 500)
    })
  )

  it.effect("the API key travels only in its header, and never in an error", () =>
    Effect.gen(function* () {
      let seen: string | undefined
      const upstream = yield* Effect.promise(() =>
        misbehavingUpstream((request, response) => {
          seen = request.headers["x-schematic-api-key"] as string
          response.writeHead(401, { "content-type": "application/json" })
          response.end(JSON.stringify({ error: "bad key" }))
        })
      )
      const error = yield* against(
        upstream,
        { apiKey: "sch_dev_secret_value", environmentId: "env_1" },
        Effect.flip(Effect.flatMap(Client, (client) => client.companies.list()))
      )
      assert.strictEqual(seen, "sch_dev_secret_value")
      assert.strictEqual(error._tag, "SchematicUnauthorized")
      assert.notInclude(JSON.stringify(error), "sch_dev_secret_value")
      assert.notInclude(String(error), "sch_dev_secret_value")
    })
  )
})
