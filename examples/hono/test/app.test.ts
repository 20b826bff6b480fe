import type { AddressInfo } from "node:net"
import { serve } from "@hono/node-server"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makeApp, services } from "../src/app.js"

describe("the Hono example", () => {
  const runtime = ManagedRuntime.make(services)
  let base = ""
  let close = () => Promise.resolve()

  beforeAll(async () => {
    const app = makeApp(await runtime.runtime())
    const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" })
    await new Promise<void>((done) => server.once("listening", () => done()))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    close = () => new Promise<void>((done) => server.close(() => done()))
  })

  afterAll(async () => {
    await close()
    await runtime.dispose()
  })

  it("serves REST under /api", async () => {
    const listed = await fetch(`${base}/api/v1/companies?limit=2`)
    expect(listed.status).toBe(200)
    const body = (await listed.json()) as { companies: ReadonlyArray<{ name: string }>; total: number }
    expect(body.companies).toHaveLength(2)
    expect(body.total).toBeGreaterThan(2)

    const created = await fetch(`${base}/api/v1/companies`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ keys: { crm: "hono-1" }, name: "Hono Example Co" })
    })
    expect([created.status, ((await created.json()) as { name: string }).name]).toEqual([200, "Hono Example Co"])

    const missing = await fetch(`${base}/api/v1/nothing`)
    expect([missing.status, ((await missing.json()) as { error: { code: string } }).error.code]).toEqual([
      404,
      "not_found"
    ])
  })

  it("serves MCP at /mcp to the official client", async () => {
    const client = new Client({ name: "hono-example-test", version: "1.0.0" })
    await client.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`)))
    try {
      const { tools } = await client.listTools()
      expect(tools.map((tool) => tool.name)).toContain("list-companies")
      const result = await client.callTool({ name: "list-companies", arguments: { q: "Hono Example" } })
      expect(result.isError).toBeUndefined()
      expect(JSON.stringify(result.structuredContent)).toContain("Hono Example Co")
    } finally {
      await client.close()
    }
  })
})
