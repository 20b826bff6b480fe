import { readdirSync, readFileSync } from "node:fs"
import { assert, describe, it, layer } from "@effect/vitest"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Cause, Effect, Exit, Layer, Schema } from "effect"
import { readme, withTable } from "../scripts/operationsTable.js"
import { Callback, Capability, EventSink, Operation, Operations } from "../src/index.js"

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
      const company = yield* Capability.run("upsert-company", {
        keys: { stripe_customer_id: "cus_9" },
        name: "Acme",
        traits: { seats: 3 }
      })
      assert.deepStrictEqual(company.keys, { stripe_customer_id: "cus_9" })
      assert.isUndefined((company as Record<string, unknown>).entity_traits)
      const listed = yield* Capability.run("list-companies", { q: "Acme", limit: 5 })
      assert.deepStrictEqual(
        listed.companies.map((item) => item.id),
        [company.id]
      )
      assert.deepStrictEqual(listed.pagination, { limit: 5, offset: 0, has_more: false, next_offset: null })
    })
  )

  it.effect("track-usage-event takes the flat shape and generates an idempotency key", () =>
    Effect.gen(function* () {
      // The MCP name and its flat input shape: run by name as a string, untyped.
      const first = (yield* Capability.runUnknown("track-usage-event", {
        event: "api-call",
        company: { stripe_customer_id: "cus_9" },
        quantity: 2
      })) as { id: string; idempotency_key: string; status: string }
      assert.match(first.id, /^evt_/)
      assert.strictEqual(first.status, "delivered")
      assert.match(first.idempotency_key, /^cap-/)
      const again = yield* Capability.run("create-event", {
        event_type: "track",
        body: { event: "api-call", company: { stripe_customer_id: "cus_9" }, quantity: 2 },
        idempotency_key: first.idempotency_key
      })
      assert.strictEqual(again.id, first.id)
    })
  )

  it.effect("the direct sink counts a sync's record once however often it is sent", () =>
    Effect.gen(function* () {
      const records = [{ keys: { crm_id: "d1" } }, { keys: { crm_id: "d2" } }]
      const first = yield* Capability.run("sync-companies", { source: "direct", records })
      // The same chunk sent twice more (a client's retries), the second time with a record more.
      yield* Capability.run("sync-companies", { sync_id: first.sync_id, records })
      const last = yield* Capability.run("sync-companies", {
        sync_id: first.sync_id,
        records: [...records, { keys: { crm_id: "d3" } }]
      })
      assert.deepInclude(last, { accepted: 3, already_accepted: 2 })
      const status = yield* Capability.run("get-sync-status", { sync_id: first.sync_id })
      assert.deepInclude(status, { accepted: 3, already_accepted: 4, pending: 0, delivered: 3, failed: 0 })
    })
  )

  it.effect("bad input fails with invalid_input and the field paths", () =>
    Effect.gen(function* () {
      const error = yield* Effect.flip(Capability.runUnknown("upsert-company", { keys: {}, name: 5, extra: true }))
      assert.strictEqual(error.code, "invalid_input")
      assert.strictEqual(error.status, 400)
      assert.deepStrictEqual(error.fields?.map((field) => field.path).sort(), ["extra", "keys", "name"])
      const unknown = yield* Effect.flip(Capability.runUnknown("drop-tables", {}))
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

  it.effect("the README's table of operations is the registry's (pnpm run docs writes it)", () =>
    Effect.sync(() => {
      const text = readFileSync(readme, "utf8")
      assert.strictEqual(text, withTable(text))
    })
  )

  it.effect("every operation declares what adapters need", () =>
    Effect.sync(() => {
      const names = Operations.all.map((operation) => operation.name)
      assert.strictEqual(new Set(names).size, names.length, "operation names are unique")
      const tools = Operations.all.map(Operation.toolName)
      assert.strictEqual(new Set(tools).size, tools.length, "tool names are unique")
      const routes = Operations.all.flatMap((operation) =>
        operation.rest.paths.map((path) => `${operation.rest.method} ${path}`)
      )
      assert.strictEqual(new Set(routes).size, routes.length, "routes are unique")
      // Each operation's name finds its file: list-companies is operations/ListCompanies.ts.
      const files = readdirSync(new URL("../src/operations/", import.meta.url)).filter(
        (file) => file !== "index.ts" && file !== "inputs.ts"
      )
      const fileOf = (name: string) =>
        `${name.replace(/(^|-)([a-z])/g, (_, __, letter: string) => letter.toUpperCase())}.ts`
      assert.deepStrictEqual(files.sort(), names.map(fileOf).sort())
      for (const operation of Operations.all) {
        assert.isAbove(operation.description.length, 80, operation.name)
        assert.include(operation.description, "Example", operation.name)
        assert.oneOf(operation.scope, ["read", "write", "admin"])
        assert.strictEqual(operation.scope === "read", operation.hints.readOnly, operation.name)
        // Removing something is destructive; only an admin deletes what cannot be recreated as it was.
        if (operation.rest.method === "DELETE") assert.isTrue(operation.hints.destructive, operation.name)
      }
    })
  )
})

/** An operation whose handler answers outside its output schema, as an Effect or through a callback form. */
const badOutput = (form: "effect" | "callback") =>
  Operation.make<{ readonly n: number }, { readonly n: number }, never>({
    name: `bad-output-${form}`,
    title: "Bad output",
    description: "Answers a string where its schema says number.",
    input: Schema.Struct({ n: Schema.Number }),
    output: Schema.Struct({ n: Schema.Number }),
    hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
    scope: "read",
    toolset: "insights",
    rest: { method: "GET", paths: [`/v1/bad-output-${form}`], status: 200 },
    handler: () => {
      const output = { n: "one" as unknown as number }
      return form === "effect" ? Effect.succeed(output) : Callback.make((_, done) => done(Exit.succeed(output)))
    },
    errors: []
  })

describe("an output outside its schema", () => {
  it.effect(
    "is a defect whichever way the operation runs: as an Effect, in a fiber, or through its callback form",
    () =>
      Effect.gen(function* () {
        const runtime = yield* Effect.runtime<never>()
        for (const form of ["effect", "callback"] as const) {
          const operation = badOutput(form)
          const asEffect = yield* Effect.exit(Capability.execute(operation, { n: 1 }))
          const onRuntime = yield* Effect.async<Exit.Exit<unknown, unknown>>((resume) =>
            Capability.executeOn(runtime, operation, { n: 1 }, (exit) => resume(Effect.succeed(exit)))
          )
          for (const exit of [asEffect, onRuntime]) {
            assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), `${form}: ${String(exit)}`)
            assert.match(String(Exit.isFailure(exit) && Cause.squash(exit.cause)), /outside its schema/)
          }
        }
      })
  )
})
