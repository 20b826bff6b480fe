import { createServer, type IncomingMessage, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { Effect, Layer } from "effect"
import { SchematicClient, type SchematicConfig } from "../src/index.js"

export const API_KEY = "sch_dev_sandbox"

/** A real sandbox on a free loopback port, and a client pointed at it. */
export const clientWithSandbox = (
  sandbox: { rateLimit?: number } = {},
  client: Partial<SchematicConfig.SchematicConfigInput> = {}
) =>
  Layer.unwrapEffect(
    Effect.map(SchematicSandbox.url, (baseUrl) =>
      SchematicClient.layer({ apiKey: API_KEY, baseUrl, readsPerSecond: 0, writesPerSecond: 0, ...client })
    )
  ).pipe(Layer.provideMerge(SchematicSandbox.layer({ port: 0, dataDir: ":memory:", ...sandbox })))

/**
 * A loopback server that misbehaves the way no sandbox should: for the few failures (5xx, garbage,
 * silence) whose handling can only be shown against an upstream that does them.
 */
export const misbehavingUpstream = async (handler: (request: IncomingMessage, response: ServerResponse) => void) => {
  const hits: Array<string> = []
  const server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`)
    handler(request, response)
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      })
  }
}
