import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { Callback, CapabilityError, Operation, Operations } from "@schematic-capability/capability-core"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Exit, Layer, Schema } from "effect"
import { McpHttp } from "../src/index.js"
import { sandboxServices } from "./support.js"

/** MCP over `operations` on an Effect HttpServer in front of a real sandbox, and the official client connected to it. */
const connect = <Op extends (typeof Operations.all)[number] | ReturnType<typeof callbackTool>>(
  operations: ReadonlyArray<Op>
) =>
  Effect.gen(function* () {
    const api = McpHttp.layer({ operations }).pipe(
      Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
      Layer.provide(sandboxServices)
    )
    const base = yield* Effect.provide(SchematicSandbox.url, yield* Layer.build(api))
    const client = new Client({ name: "test", version: "1.0.0" })
    yield* Effect.acquireRelease(
      Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))),
      () => Effect.promise(() => client.close())
    )
    return client
  })

/**
 * A tool whose handler has a callback form (`Callback.make`) that answers by `outcome`, later, as the outbox does;
 * `fiber`'s handler is an ordinary Effect, run in a fiber.
 */
const callbackTool = (outcome: "echo" | "fiber" | "throw" | "fail" | "bad-output") =>
  Operation.make<{ readonly n: number }, { readonly n: number; readonly via: string }, never>({
    name: `callback-${outcome}`,
    title: outcome,
    description: "A test tool with a callback form.",
    input: Schema.Struct({ n: Schema.Number }),
    output: Schema.Struct({ n: Schema.Number, via: Schema.String }),
    hints: { readOnly: true, destructive: false, idempotent: true, openWorld: false },
    scope: "read",
    toolset: "insights",
    rest: { method: "POST", paths: [`/v1/callback-${outcome}`], status: 200 },
    handler: (input) =>
      outcome === "fiber"
        ? Effect.succeed({ n: input.n, via: "fiber" })
        : Callback.make((_, done) => {
            if (outcome === "throw") throw new Error("callback broke")
            setImmediate(() =>
              done(
                outcome === "fail"
                  ? Exit.fail(new CapabilityError.CapabilityError({ code: "conflict", message: "taken" }))
                  : Exit.succeed({
                      n: outcome === "echo" ? input.n : Number.NaN,
                      via: outcome === "echo" ? "callback" : (7 as never)
                    })
              )
            )
          }),
    errors: ["conflict"]
  })

describe("McpHttp on an Effect HttpServer", () => {
  it.scoped("serves tools to the official MCP client through the SDK's web-standard transport", () =>
    Effect.gen(function* () {
      const client = yield* connect(Operations.all)
      const { tools } = yield* Effect.promise(() => client.listTools())
      assert.include(
        tools.map((tool) => tool.name),
        "track-usage-event"
      )
      const upserted = yield* Effect.promise(() =>
        client.callTool({ name: "upsert-company", arguments: { keys: { crm: "m-1" }, name: "Mcp Co" } })
      )
      assert.notOk(upserted.isError)
      const listed = yield* Effect.promise(() => client.callTool({ name: "list-companies", arguments: { q: "Mcp" } }))
      const companies = (listed.structuredContent as { companies: Array<{ name: string }> }).companies
      assert.deepStrictEqual(
        companies.map((company) => company.name),
        ["Mcp Co"]
      )
      const refused = yield* Effect.promise(() =>
        client.callTool({ name: "track-usage-event", arguments: { event: "", company: {} } })
      )
      assert.isTrue(refused.isError)
      assert.match((refused.content as Array<{ text: string }>)[0]!.text, /^invalid_input: /)
    })
  )

  it.scoped("runs a tool's callback form with no fiber, and answers its failures and defects as the fiber's", () =>
    Effect.gen(function* () {
      const outcomes = ["echo", "fiber", "throw", "fail", "bad-output"] as const
      const client = yield* connect([...Operations.all, ...outcomes.map(callbackTool)])
      const results = yield* Effect.forEach(outcomes, (outcome) =>
        Effect.promise(() => client.callTool({ name: `callback-${outcome}`, arguments: { n: 2 } }))
      )
      const texts = results.map((result) => (result.content as Array<{ text: string }>)[0]!.text)
      assert.deepStrictEqual(results[0]!.structuredContent, { n: 2, via: "callback" })
      assert.deepStrictEqual(results[1]!.structuredContent, { n: 2, via: "fiber" })
      assert.deepStrictEqual(
        results.map((result) => result.isError === true),
        [false, false, true, true, true]
      )
      assert.match(texts[2]!, /^internal: /)
      assert.match(texts[3]!, /^conflict: taken/)
      assert.match(texts[4]!, /^internal: /)
      const refused = yield* Effect.promise(() => client.callTool({ name: "callback-echo", arguments: { n: "two" } }))
      assert.isTrue(refused.isError)
      assert.match((refused.content as Array<{ text: string }>)[0]!.text, /^invalid_input: /)
    })
  )
})
