import { assert, layer } from "@effect/vitest"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer } from "effect"
import { Capability, EventSink, Operations } from "../src/index.js"

/** A custom host: its own layers (a client pointed at a sandbox), running operations by name. */
const Client = Layer.unwrapEffect(
  Effect.map(SchematicSandbox.url, (baseUrl) =>
    SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
  )
)
const Host = Layer.provideMerge(EventSink.direct, Client).pipe(
  Layer.provideMerge(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
)

layer(Host, { excludeTestServices: true })("running operations by name", (it) => {
  it.effect("upsert-company then list-companies, with outputs trimmed to their schemas", () =>
    Effect.gen(function* () {
      const company = (yield* Capability.run("upsert-company", {
        keys: { stripe_customer_id: "cus_9" },
        name: "Acme",
        traits: { seats: 3 }
      })) as Record<string, unknown>
      assert.deepStrictEqual(company.keys, { stripe_customer_id: "cus_9" })
      assert.isUndefined(company.entity_traits)
      const listed = (yield* Capability.run("list-companies", { q: "Acme", limit: 5 })) as {
        companies: Array<{ id: string }>
        pagination: { limit: number; offset: number; next_offset: number | null }
      }
      assert.deepStrictEqual(
        listed.companies.map((item) => item.id),
        [company.id]
      )
      assert.deepStrictEqual(listed.pagination, { limit: 5, offset: 0, next_offset: null })
    })
  )

  it.effect("track-usage-event takes the flat shape and generates an idempotency key", () =>
    Effect.gen(function* () {
      const first = (yield* Capability.run("track-usage-event", {
        event: "api-call",
        company: { stripe_customer_id: "cus_9" },
        quantity: 2
      })) as { id: string; idempotency_key: string; status: string }
      assert.match(first.id, /^evt_/)
      assert.strictEqual(first.status, "delivered")
      assert.match(first.idempotency_key, /^cap-/)
      const again = (yield* Capability.run("create-event", {
        event_type: "track",
        body: { event: "api-call", company: { stripe_customer_id: "cus_9" }, quantity: 2 },
        idempotency_key: first.idempotency_key
      })) as { id: string }
      assert.strictEqual(again.id, first.id)
    })
  )

  it.effect("bad input fails with invalid_input and the field paths", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Capability.run("upsert-company", { keys: {}, name: 5, extra: true }))
      assert.strictEqual(error.code, "invalid_input")
      assert.strictEqual(error.status, 400)
      assert.deepStrictEqual(error.fields?.map((field) => field.path).sort(), ["extra", "keys", "name"])
      const unknown = yield* Effect.flip(Capability.run("drop-tables", {}))
      assert.strictEqual(unknown.code, "not_found")
    })
  )

  it.effect("upstream failures keep their meaning", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(
        Capability.run("upsert-user", { keys: { email: "x@y.z" }, company: { crm: "nobody" } })
      )
      assert.strictEqual(error.code, "upstream_rejected")
      assert.match(error.message, /company: no company/)
    })
  )

  it.effect("every operation declares what adapters need", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(
        Operations.all.map((operation) => operation.name),
        [
          "list-companies",
          "upsert-company",
          "list-users",
          "upsert-user",
          "create-event",
          "create-event-batch",
          "get-event-delivery-status",
          "list-dead-letter-events",
          "requeue-dead-letter-events",
          "get-insights-summary",
          "get-plan-growth",
          "get-top-features"
        ]
      )
      for (const operation of Operations.all) {
        assert.isAbove(operation.description.length, 80, operation.name)
        assert.include(operation.description, "Example", operation.name)
        assert.oneOf(operation.scope, ["read", "write", "admin"])
        assert.strictEqual(operation.scope === "read", operation.hints.readOnly, operation.name)
      }
    })
  )
})
