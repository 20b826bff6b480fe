/**
 * Traces: with OTEL_EXPORTER_OTLP_ENDPOINT set, each request is a trace (request, operation, upstream call), exported
 * over OTLP/HTTP to a receiver this test runs; the caller's traceparent is honoured and one is sent on upstream.
 */
import { createServer } from "node:http"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { SchematicSandbox } from "@schematic-capability/schematic-sandbox"
import { ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, rest, startServer, upstreamProxy } from "./support.js"

interface Span {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
}

/** An OTLP/HTTP trace receiver (JSON): every span it is sent. */
const receiver = async () => {
  const spans: Array<Span> = []
  const server = createServer((request, response) => {
    const chunks: Array<Buffer> = []
    request.on("data", (chunk) => chunks.push(chunk))
    request.on("end", () => {
      if (request.url === "/v1/traces") {
        const body = JSON.parse(Buffer.concat(chunks).toString())
        for (const resource of body.resourceSpans ?? []) {
          for (const scope of resource.scopeSpans ?? []) spans.push(...scope.spans)
        }
      }
      response.writeHead(200, { "content-type": "application/json" })
      response.end("{}")
    })
  })
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done))
  const { port } = server.address() as { port: number }
  return { url: `http://127.0.0.1:${port}`, spans, close: () => new Promise((done) => server.close(done)) }
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
const CALLER_SPAN = "00f067aa0ba902b7"
const traceparent = `00-${TRACE_ID}-${CALLER_SPAN}-01`

describe("traces over OTLP", () => {
  let collector: Awaited<ReturnType<typeof receiver>>
  let proxy: Awaited<ReturnType<typeof upstreamProxy>>
  let upstream: { readonly dispose: () => Promise<void> }
  let server: RunningServer

  beforeAll(async () => {
    collector = await receiver()
    const sandbox = ManagedRuntime.make(SchematicSandbox.layer({ port: 0, dataDir: ":memory:" }))
    upstream = sandbox
    proxy = await upstreamProxy(await sandbox.runPromise(SchematicSandbox.url))
    server = await startServer({
      SCHEMATIC_API_KEY: "sch_dev_sandbox",
      SCHEMATIC_API_URL: proxy.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_SERVICE_NAME: "capability-under-test",
      OTEL_BSP_SCHEDULE_DELAY: "100"
    })
  })
  afterAll(async () => {
    await server?.stop()
    await proxy?.close()
    await upstream?.dispose()
    await collector?.close()
  })

  const spansOf = async (traceId: string, count: number) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const found = collector.spans.filter((span) => span.traceId === traceId)
      if (found.length >= count) return found
      await new Promise((done) => setTimeout(done, 100))
    }
    return collector.spans.filter((span) => span.traceId === traceId)
  }

  it("makes a REST request a trace under the caller's span: request, operation, upstream call", async () => {
    const answer = await rest(server.rest, "GET", "/v1/companies?limit=1", undefined, { traceparent })
    expect(answer.status).toBe(200)
    const spans = await spansOf(TRACE_ID, 3)
    const request = spans.find((span) => span.name === "GET /v1/companies")
    const operation = spans.find((span) => span.name === "list-companies")
    const call = spans.find((span) => span.name === "schematic GET /companies")
    expect(request).toMatchObject({ parentSpanId: CALLER_SPAN, kind: 2 })
    expect(operation?.parentSpanId).toBe(request?.spanId)
    expect(call).toMatchObject({ parentSpanId: operation?.spanId, kind: 3 })
    // Upstream is told the call's span.
    const sent = proxy.requests.find((item) => item.url.startsWith("/companies"))
    expect(sent?.headers.traceparent).toBe(`00-${TRACE_ID}-${call?.spanId}-01`)
  })

  it("makes an MCP tool call a trace too, and starts a new trace when the caller sends none", async () => {
    const mcpTrace = "0af7651916cd43dd8448eb211c80319c"
    const client = new Client({ name: "tracing-test", version: "1.0.0" })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcp), {
        requestInit: { headers: { traceparent: `00-${mcpTrace}-b7ad6b7169203331-01` } }
      })
    )
    await client.callTool({ name: "list-features", arguments: {} })
    await client.close()
    const spans = await spansOf(mcpTrace, 3)
    const call = spans.find((span) => span.name === "tools/call list-features")
    const operation = spans.find((span) => span.name === "list-features")
    expect(call).toMatchObject({ parentSpanId: "b7ad6b7169203331", kind: 2 })
    expect(operation?.parentSpanId).toBe(call?.spanId)
    expect(spans.find((span) => span.name === "schematic GET /features")?.parentSpanId).toBe(operation?.spanId)

    const before = new Set(collector.spans.map((span) => span.spanId))
    await rest(server.rest, "GET", "/v1/plans")
    let fresh: Span | undefined
    for (let attempt = 0; attempt < 100 && fresh === undefined; attempt++) {
      await new Promise((done) => setTimeout(done, 100))
      fresh = collector.spans.find((span) => span.name === "GET /v1/plans" && !before.has(span.spanId))
    }
    expect(fresh?.traceId).toMatch(/^[0-9a-f]{32}$/)
    expect(fresh?.parentSpanId ?? "").toBe("")
  })
})
