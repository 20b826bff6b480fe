/**
 * Runs the example on PORT (default 8787), loopback only: `pnpm --filter @schematic-capability/example-hono start`.
 */
import { serve } from "@hono/node-server"
import { ManagedRuntime } from "effect"
import { makeApp, services } from "./app.js"

const runtime = ManagedRuntime.make(services)
const app = makeApp(await runtime.runtime())
const server = serve({ fetch: app.fetch, port: Number(process.env.PORT ?? 8787), hostname: "127.0.0.1" }, (info) => {
  console.log(`Listening on http://127.0.0.1:${info.port}: REST under /api (try /api/v1/companies), MCP at /mcp`)
})

const stop = () => server.close(() => void runtime.dispose())
process.once("SIGINT", stop)
process.once("SIGTERM", stop)
