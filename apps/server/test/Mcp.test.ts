import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { request } from "node:http"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { Operation, Operations } from "@schematic-capability/capability-core"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer, stdioJs } from "./support.js"

/** Every tool, as the registry declares it: its annotations are its operation's hints. */
const TOOLS = Object.fromEntries(
  Operations.all.map((operation) => [
    Operation.toolName(operation),
    {
      readOnlyHint: operation.hints.readOnly,
      destructiveHint: operation.hints.destructive,
      idempotentHint: operation.hints.idempotent,
      openWorldHint: operation.hints.openWorld
    }
  ])
)

const call = async (client: Client, name: string, args: Record<string, unknown>) =>
  (await client.callTool({ name, arguments: args })) as CallToolResult

/** Every tool, called as an agent would, with the checks that matter for each answer. */
const exerciseTools = async (client: Client) => {
  const company = await call(client, "upsert-company", {
    keys: { stripe_customer_id: "cus_mcp_1" },
    name: "Mcp Co",
    traits: { seats: 9 }
  })
  expect(company.isError).toBeFalsy()
  const companyId = (company.structuredContent as { id: string }).id
  expect(JSON.parse((company.content[0] as { text: string }).text)).toEqual(company.structuredContent)

  const listed = await call(client, "list-companies", { q: "Mcp Co", limit: 5 })
  expect((listed.structuredContent as { companies: Array<{ id: string }> }).companies.map((c) => c.id)).toContain(
    companyId
  )

  const user = await call(client, "upsert-user", {
    keys: { email: "agent@mcp.test" },
    name: "Agent",
    company: { stripe_customer_id: "cus_mcp_1" }
  })
  expect((user.structuredContent as { company_ids: Array<string> }).company_ids).toEqual([companyId])
  const users = await call(client, "list-users", { company_id: companyId })
  expect((users.structuredContent as { users: Array<unknown> }).users).toHaveLength(1)

  const tracked = await call(client, "track-usage-event", {
    event: "api-call",
    company: { stripe_customer_id: "cus_mcp_1" },
    quantity: 2,
    idempotency_key: "mcp-evt-1"
  })
  expect(tracked.isError).toBeFalsy()
  expect(tracked.structuredContent).toMatchObject({ idempotency_key: "mcp-evt-1", status: "queued" })
  const repeat = await call(client, "track-usage-event", {
    event: "api-call",
    company: { stripe_customer_id: "cus_mcp_1" },
    quantity: 2,
    idempotency_key: "mcp-evt-1"
  })
  expect((repeat.structuredContent as { id: string }).id).toBe((tracked.structuredContent as { id: string }).id)
  // An identify of a company alone, as REST and a sync take it.
  const alone = await call(client, "track-usage-event", {
    event_type: "identify",
    company: { stripe_customer_id: "cus_mcp_alone" },
    company_name: "Alone Inc"
  })
  expect(alone.isError).toBeFalsy()
  expect(alone.structuredContent).toMatchObject({ status: "queued" })

  const status = await call(client, "get-event-delivery-status", {})
  expect(status.structuredContent).toMatchObject({ durable: true })
  expect((await call(client, "list-dead-letter-events", { limit: 5 })).isError).toBeFalsy()
  expect((await call(client, "requeue-dead-letter-events", { all: true })).structuredContent).toEqual({ requeued: 0 })
  // Each event in track-usage-event's flat shape.
  const batch = await call(client, "create-event-batch", {
    events: [
      { event: "api-call", company: { stripe_customer_id: "cus_mcp_1" } },
      { event_type: "identify", company: { stripe_customer_id: "cus_mcp_1" } }
    ]
  })
  expect((batch.structuredContent as { events: Array<unknown> }).events).toHaveLength(2)

  const summary = await call(client, "get-insights-summary", {})
  expect((summary.structuredContent as { total_companies: number }).total_companies).toBeGreaterThan(0)
  expect((await call(client, "get-plan-growth", { months: 2 })).isError).toBeFalsy()
  expect((await call(client, "get-top-features", {})).isError).toBeFalsy()
}

describe("MCP over Streamable HTTP, with the official client", () => {
  let server: RunningServer
  let client: Client

  beforeAll(async () => {
    server = await startServer()
    client = new Client({ name: "capability-test", version: "1.0.0" })
    await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
  })
  afterAll(async () => {
    await client.close()
    await server.stop()
  })

  it("tells its name and the server's version", () => {
    const version = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version
    expect(client.getServerVersion()).toMatchObject({ name: "schematic-capability", version })
  })

  it("lists every tool, lean: its input schema, its hints as annotations, and all of them within 30 KB", async () => {
    const { tools } = await client.listTools()
    expect(tools.map((tool) => tool.name)).toEqual(Object.keys(TOOLS))
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object")
      expect(tool.outputSchema).toBeUndefined()
      expect(JSON.stringify(tool)).not.toContain("$ref")
      expect(tool.title).toBeTruthy()
      expect(tool.description?.length).toBeGreaterThan(80)
      expect(tool.description).toMatch(/Example: \{/)
      // What is left out is what MCP takes a missing hint to mean.
      const hints = {
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
        ...tool.annotations
      }
      const expected = TOOLS[tool.name as keyof typeof TOOLS]!
      expect(hints.readOnlyHint, tool.name).toBe(expected.readOnlyHint)
      expect(hints.openWorldHint, tool.name).toBe(expected.openWorldHint)
      if (!expected.readOnlyHint) expect({ ...hints, readOnlyHint: false }, tool.name).toEqual(expected)
    }
    const answer = await rawAnswer({ host: `127.0.0.1:${new URL(server.mcp).port}` })
    console.log(`tools/list: ${tools.length} tools, ${Buffer.byteLength(answer.body)} bytes`)
    expect(Buffer.byteLength(answer.body)).toBeLessThanOrEqual(30_000)
    const track = tools.find((tool) => tool.name === "track-usage-event")!
    expect(Object.keys(track.inputSchema.properties ?? {}).sort()).toEqual(
      [
        "event_type",
        "event",
        "company",
        "company_name",
        "company_traits",
        "user",
        "user_name",
        "quantity",
        "traits",
        "idempotency_key"
      ].sort()
    )
    // What is required depends on event_type (track: event and company or user; identify: user): checked on call.
    expect(track.inputSchema.required ?? []).toEqual([])
  })

  it("offers prompts for the capability's work, each naming the tools it uses, rendered with its arguments", async () => {
    const { prompts } = await client.listPrompts()
    expect(prompts.map((prompt) => prompt.name).sort()).toEqual([
      "limit-outreach",
      "review-account",
      "usage-not-showing"
    ])
    const review = await client.getPrompt({ name: "review-account", arguments: { company: "cus_demo007" } })
    const text = (review.messages[0]!.content as { text: string }).text
    expect(text).toContain('{"keys":{"stripe_customer_id":"cus_demo007"}}')
    for (const tool of ["get-company-billing", "get-feature-usage", "list-company-credits"])
      expect(text).toContain(tool)
    const outreach = await client.getPrompt({ name: "limit-outreach", arguments: { feature_key: "api-calls" } })
    expect((outreach.messages[0]!.content as { text: string }).text).toContain("find-companies-near-limit")
    await expect(client.getPrompt({ name: "review-account", arguments: {} })).rejects.toThrow(/company/)
    await expect(client.getPrompt({ name: "no-such-prompt" })).rejects.toThrow(/No prompt named/)
  })

  it("calls the tools; each result's text is its structured content, as compact JSON", async () => {
    await exerciseTools(client)
  })

  it("bad arguments come back as isError results that name the fields", async () => {
    const result = await call(client, "upsert-company", { keys: {}, name: 5 })
    expect(result.isError).toBe(true)
    const text = (result.content[0] as { text: string }).text
    expect(text).toMatch(/^invalid_input/)
    expect(text).toMatch(/keys/)
    expect(text).toMatch(/name/)
    expect(result.structuredContent).toBeUndefined()

    const limit = await call(client, "list-companies", { limit: 1000 })
    expect(limit.isError).toBe(true)
    expect((limit.content[0] as { text: string }).text).toMatch(/limit: must be a whole number from 1 to 250/)

    const unknownField = await call(client, "get-insights-summary", { extra: 1 })
    expect(unknownField.isError).toBe(true)

    const unknownTool = await call(client, "drop-everything", {})
    expect(unknownTool.isError).toBe(true)
    expect((unknownTool.content[0] as { text: string }).text).toMatch(/No tool named drop-everything/)

    const upstream = await call(client, "upsert-user", { keys: { email: "x@y.z" }, company: { crm: "nobody" } })
    expect(upstream.isError).toBe(true)
    expect((upstream.content[0] as { text: string }).text).toMatch(/^upstream_rejected: company: no company/)
  })

  it("every tool refuses arguments it does not know, and arguments of the wrong type, naming them", async () => {
    for (const name of Object.keys(TOOLS)) {
      const unknown = await call(client, name, { definitely_not_a_field: true })
      expect(unknown.isError, name).toBe(true)
      expect((unknown.content[0] as { text: string }).text, name).toMatch(/invalid_input[\s\S]*definitely_not_a_field/)
    }
    const wrongTypes: Record<string, Record<string, unknown>> = {
      "list-companies": { limit: "ten" },
      "upsert-company": { keys: "cus_1" },
      "list-users": { offset: -5 },
      "upsert-user": { keys: { email: "a@b.c" }, email: 42 },
      "track-usage-event": { event: "api-call", company: { crm: "x" }, quantity: "lots" },
      "get-plan-growth": { months: 100 },
      "create-event-batch": { events: [] },
      "list-dead-letter-events": { limit: 0 },
      "requeue-dead-letter-events": { ids: "all" },
      "get-top-features": { start_time: "last tuesday" }
    }
    for (const [name, args] of Object.entries(wrongTypes)) {
      const result = await call(client, name, args)
      expect(result.isError, name).toBe(true)
      expect((result.content[0] as { text: string }).text, name).toMatch(
        new RegExp(`invalid_input[\\s\\S]*${Object.keys(args).at(-1)}`)
      )
    }
  })

  const rawAnswer = (
    headers: Record<string, string>,
    method = "POST",
    body: string | undefined = method === "POST"
      ? JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" })
      : undefined,
    path = new URL(server.mcp).pathname
  ) =>
    new Promise<{ status: number; body: string }>((done, fail) => {
      const url = new URL(server.mcp)
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path,
          method,
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream", ...headers }
        },
        (response) => {
          const chunks: Array<Buffer> = []
          response.on("data", (chunk: Buffer) => chunks.push(chunk))
          response.on("end", () => done({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }))
        }
      )
      req.on("error", fail)
      req.end(body)
    })
  const raw = async (headers: Record<string, string>, method = "POST") => (await rawAnswer(headers, method)).status

  it("refuses foreign Origin and Host headers (DNS rebinding) and non-POST methods", async () => {
    const port = new URL(server.mcp).port
    expect(await raw({ host: `127.0.0.1:${port}`, origin: "https://evil.example" })).toBe(403)
    expect(await raw({ host: `evil.example:${port}` })).toBe(403)
    expect(await raw({ host: `localhost:${port}`, origin: `http://localhost:${port}` })).toBe(200)
    expect(await raw({ host: `127.0.0.1:${port}` }, "GET")).toBe(405)
  })

  it("answers a JSON-RPC error, never a crash, to a body that is not JSON, too large, or sent elsewhere", async () => {
    const host = { host: `127.0.0.1:${new URL(server.mcp).port}` }
    const notJson = await rawAnswer(host, "POST", '{"jsonrpc": "2.0", "id": 1, "method":')
    expect(notJson.status).toBe(400)
    expect(JSON.parse(notJson.body)).toMatchObject({ jsonrpc: "2.0", error: { code: -32700 } })
    const tooLarge = await rawAnswer(host, "POST", JSON.stringify({ padding: "x".repeat(2 * 1024 * 1024) }))
    expect(tooLarge.status).toBe(413)
    expect(JSON.parse(tooLarge.body)).toMatchObject({ error: { message: expect.stringMatching(/larger than/) } })
    expect((await rawAnswer(host, "POST", undefined, "/elsewhere")).status).toBe(404)
    // Params a method does not take are the caller's error (-32602), said in a line.
    for (const params of [undefined, { name: "list-plans", arguments: "x" }, { arguments: {} }]) {
      const answer = await rawAnswer(
        host,
        "POST",
        JSON.stringify({ jsonrpc: "2.0", id: 7, method: "tools/call", params })
      )
      const parsed = JSON.parse(answer.body)
      expect(parsed, JSON.stringify(params)).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32602 } })
      expect(parsed.error.message).toMatch(/^Invalid params: params/)
      expect(parsed.error.message).not.toContain("\n")
    }
    // The server still answers.
    expect(await raw(host)).toBe(200)
  })
})

describe("MCP toolsets", () => {
  it("offers only the toolsets MCP_TOOLSETS names: listed and called alike", async () => {
    const server = await startServer({ MCP_TOOLSETS: "billing, insights" })
    const client = new Client({ name: "toolsets-test", version: "1.0.0" })
    try {
      await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
      const { tools } = await client.listTools()
      const offered = Operations.all.filter((operation) => ["billing", "insights"].includes(operation.toolset))
      expect(tools.map((tool) => tool.name).sort()).toEqual(offered.map(Operation.toolName).sort())
      const outside = await call(client, "list-companies", {})
      expect(outside.isError).toBe(true)
      expect((outside.content[0] as { text: string }).text).toMatch(/not_found: No tool named list-companies/)
      expect((await call(client, "get-insights-summary", {})).isError).toBeFalsy()
    } finally {
      await client.close()
      await server.stop()
    }
  })
})

describe("MCP over stdio, with the official client", () => {
  it("serves every tool to a client that starts it as a child process", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "capability-stdio-"))
    const client = new Client({ name: "capability-stdio-test", version: "1.0.0" })
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [stdioJs],
      env: { PATH: process.env.PATH ?? "", DATA_DIR: dataDir, SANDBOX_SEED: "none" },
      stderr: "pipe"
    })
    try {
      await client.connect(transport)
      const { tools } = await client.listTools()
      expect(tools.map((tool) => tool.name)).toEqual(Object.keys(TOOLS))
      await exerciseTools(client)
    } finally {
      await client.close()
      rmSync(dataDir, { recursive: true, force: true })
    }
  })
})
