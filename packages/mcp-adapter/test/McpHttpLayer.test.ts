import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { EventSink } from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer } from "effect"
import { McpHttp } from "../src/index.js"

const upstream = Layer.unwrapEffect(
  Effect.map(SchematicSandbox.url, (baseUrl) =>
    SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
  )
).pipe(Layer.provide(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" })))

describe("McpHttp on an Effect HttpServer", () => {
  it.scoped("serves tools to the official MCP client through the SDK's web-standard transport", () =>
    Effect.gen(function* () {
      const api = McpHttp.layer<SchematicClient.SchematicClient | EventSink.EventSink>({}).pipe(
        Layer.provideMerge(NodeHttpServer.layer(() => createServer(), { port: 0, host: "127.0.0.1" })),
        Layer.provide(EventSink.direct.pipe(Layer.provideMerge(upstream)))
      )
      const base = yield* Effect.provide(SchematicSandbox.url, yield* Layer.build(api))
      const client = new Client({ name: "test", version: "1.0.0" })
      yield* Effect.acquireRelease(
        Effect.promise(() => client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))),
        () => Effect.promise(() => client.close())
      )
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
})
