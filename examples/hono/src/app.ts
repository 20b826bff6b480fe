/**
 * A Hono app serving the capability's REST API under /api and MCP at /mcp, each from its web-standard handler, on a
 * runtime that provides the operations' services.
 */
import { EventSink } from "@schematic-capability/capability-core"
import { McpHttp } from "@schematic-capability/mcp-adapter"
import { RestApi } from "@schematic-capability/rest-adapter"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer, type Runtime } from "effect"
import { Hono } from "hono"

/**
 * The operations' services on the embedded Schematic sandbox (in memory, with its demo data, on a loopback port of
 * its own): the Schematic client, and usage events sent straight to it. With a real key, `SchematicClient.layer`
 * takes Schematic's URL and the key instead, and the sandbox is not needed.
 */
export const services = EventSink.direct.pipe(
  Layer.provideMerge(
    Layer.unwrapEffect(
      // Schematic's request budgets guard the real API; the sandbox needs none.
      Effect.map(SchematicSandbox.url, (baseUrl) =>
        SchematicClient.layer({ apiKey: "sch_dev_sandbox", baseUrl, readsPerSecond: 0, writesPerSecond: 0 })
      )
    )
  ),
  Layer.provide(SchematicSandbox.layer({ port: 0, host: "127.0.0.1", dataDir: ":memory:", seed: "demo" }))
)

export type Services = Layer.Layer.Success<typeof services>

export const makeApp = (runtime: Runtime.Runtime<Services>) => {
  const rest = RestApi.toWebHandler(runtime)
  // By default MCP allows loopback names on the port of the request's URL; behind a public name, list it in
  // `allowedHosts` (and the browser origins that may call it in `allowedOrigins`).
  const mcp = McpHttp.toWebHandler(runtime)
  return (
    new Hono()
      // `mount` strips the prefix: the API sees /v1/companies for /api/v1/companies.
      .mount("/api", rest)
      .all("/mcp", (context) => mcp(context.req.raw))
  )
}
