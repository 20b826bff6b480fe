import { request } from "node:http"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import { describe, expect, it } from "vitest"
import { bearer, rest, runServer, serverForSuite, startServer } from "./support.js"

const READER = "reader-token-0123456789"
const WRITER = "writer-token-0123456789"
const ADMIN = "admin-token-01234567890"

describe("bearer tokens with scopes", () => {
  const server = serverForSuite({
    CAPABILITY_TOKENS: `dashboard:${READER}:read,ingest:${WRITER}:write,ops:${ADMIN}:admin`
  })

  it("REST: 401 with WWW-Authenticate without a valid token, 403 without the scope, open health and docs", async () => {
    const none = await rest(server.rest, "GET", "/v1/companies")
    expect(none.status).toBe(401)
    expect(none.body.error.code).toBe("unauthorized")
    expect(none.headers.get("www-authenticate")).toBe('Bearer realm="schematic-capability"')
    const wrong = await rest(server.rest, "GET", "/v1/companies", undefined, bearer("not-a-real-token-xxxx"))
    expect(wrong.status).toBe(401)
    expect(wrong.headers.get("www-authenticate")).toMatch(/error="invalid_token"/)

    expect((await rest(server.rest, "GET", "/v1/companies", undefined, bearer(READER))).status).toBe(200)
    const readerWrites = await rest(server.rest, "POST", "/v1/companies", { keys: { crm: "a" } }, bearer(READER))
    expect(readerWrites.status).toBe(403)
    expect(readerWrites.body.error.message).toMatch(/dashboard.*write/)
    expect(readerWrites.headers.get("www-authenticate")).toMatch(/insufficient_scope/)
    expect((await rest(server.rest, "POST", "/v1/companies", { keys: { crm: "a" } }, bearer(WRITER))).status).toBe(200)

    const writerRepairs = await rest(server.rest, "POST", "/v1/events/outbox/requeue", { all: true }, bearer(WRITER))
    expect(writerRepairs.status).toBe(403)
    expect((await rest(server.rest, "POST", "/v1/events/outbox/requeue", { all: true }, bearer(ADMIN))).status).toBe(
      200
    )

    expect((await rest(server.rest, "GET", "/healthz")).status).toBe(200)
    const document = (await rest(server.rest, "GET", "/openapi.json")).body
    // With tokens, the document requires the bearer scheme and lists the access refusals of every operation.
    expect(document.security).toEqual([{ bearer: [] }])
    expect(Object.keys(document.paths["/v1/companies"].get.responses)).toEqual(
      expect.arrayContaining(["401", "403", "429"])
    )
    expect(document.paths["/healthz"].get.security).toEqual([])
    expect((await rest(server.rest, "GET", "/docs")).status).toBe(200)
    expect((await rest(server.rest, "GET", "/readyz")).status).toBe(401)
    expect((await rest(server.rest, "GET", "/readyz", undefined, bearer(READER))).status).toBe(200)
  })

  const connect = async (token: string) => {
    const client = new Client({ name: "auth-test", version: "1.0.0" })
    await client.connect(
      new StreamableHTTPClientTransport(new URL(server.mcp), { requestInit: { headers: bearer(token) } })
    )
    return client
  }

  it("MCP: lists only the tools a token may call, and refuses the others with isError", async () => {
    const reader = await connect(READER)
    const readerTools = (await reader.listTools()).tools.map((tool) => tool.name)
    expect(readerTools).toContain("list-companies")
    expect(readerTools).not.toContain("upsert-company")
    expect(readerTools).not.toContain("requeue-dead-letter-events")
    const refused = (await reader.callTool({
      name: "upsert-company",
      arguments: { keys: { crm: "x" } }
    })) as CallToolResult
    expect(refused.isError).toBe(true)
    expect((refused.content[0] as { text: string }).text).toMatch(/^forbidden: .*write/)
    await reader.close()

    const admin = await connect(ADMIN)
    expect((await admin.listTools()).tools.map((tool) => tool.name)).toContain("requeue-dead-letter-events")
    await admin.close()
  })

  it("MCP: answers 401 with WWW-Authenticate at the HTTP level without a valid token", async () => {
    const url = new URL(server.mcp)
    const status = await new Promise<{ code: number; challenge: string | undefined }>((done, fail) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json, text/event-stream" }
        },
        (response) => {
          response.resume()
          done({ code: response.statusCode ?? 0, challenge: response.headers["www-authenticate"] })
        }
      )
      req.on("error", fail)
      req.end(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }))
    })
    expect(status).toEqual({ code: 401, challenge: 'Bearer realm="schematic-capability"' })
  })

  it("never shows a token: not in logs, error bodies, /readyz or the OpenAPI document", async () => {
    const answers = [
      await rest(server.rest, "GET", "/openapi.json"),
      await rest(server.rest, "GET", "/readyz", undefined, bearer(READER)),
      await rest(server.rest, "POST", "/v1/companies", { keys: { crm: "a" } }, bearer(READER)),
      await rest(server.rest, "GET", "/v1/companies", undefined, bearer(`${READER}x`))
    ]
    for (const token of [READER, WRITER, ADMIN]) {
      expect(server.logs()).not.toContain(token)
      for (const answer of answers) expect(JSON.stringify(answer.body)).not.toContain(token)
    }
    expect(server.logs()).toMatch(/Bearer tokens required: dashboard, ingest, ops/)
  })
})

describe("tokens from a file", () => {
  it("reads CAPABILITY_TOKENS_FILE (comments and blank lines allowed) alongside CAPABILITY_TOKENS", async () => {
    const { mkdtempSync, writeFileSync, rmSync } = await import("node:fs")
    const { tmpdir } = await import("node:os")
    const { join } = await import("node:path")
    const dir = mkdtempSync(join(tmpdir(), "tokens-"))
    const file = join(dir, "tokens")
    writeFileSync(file, `# rotated 2026-11\n\nfiled:${ADMIN}:read+write\n`)
    const server = await startServer({ CAPABILITY_TOKENS: `inline:${READER}:read`, CAPABILITY_TOKENS_FILE: file })
    try {
      expect((await rest(server.rest, "POST", "/v1/companies", { keys: { crm: "f" } }, bearer(ADMIN))).status).toBe(200)
      expect((await rest(server.rest, "GET", "/v1/companies", undefined, bearer(READER))).status).toBe(200)
      expect((await rest(server.rest, "POST", "/v1/events/outbox/requeue", { all: true }, bearer(ADMIN))).status).toBe(
        403
      )
    } finally {
      await server.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe("limits per token and per body", () => {
  it("answers 429 with Retry-After past a token's budget, without touching other tokens; refuses big bodies", async () => {
    const server = await startServer({
      CAPABILITY_TOKENS: `busy:${READER}:read,calm:${WRITER}:write`,
      CAPABILITY_RATE_LIMIT: "3",
      REST_MAX_BODY_BYTES: "2048"
    })
    try {
      const burst = await Promise.all(
        Array.from({ length: 10 }, () => rest(server.rest, "GET", "/v1/companies", undefined, bearer(READER)))
      )
      const limited = burst.filter((response) => response.status === 429)
      expect(limited.length).toBeGreaterThanOrEqual(5)
      expect(limited[0]?.body.error.code).toBe("rate_limited")
      expect(Number(limited[0]?.headers.get("retry-after"))).toBeGreaterThanOrEqual(1)
      expect((await rest(server.rest, "GET", "/v1/companies", undefined, bearer(WRITER))).status).toBe(200)
      const big = await rest(
        server.rest,
        "POST",
        "/v1/companies",
        { keys: { crm: "x" }, traits: { blob: "x".repeat(4096) } },
        bearer(WRITER)
      )
      expect(big.status).toBe(413)
    } finally {
      await server.stop()
    }
  })
})

describe("safe defaults", () => {
  it("refuses to bind a non-loopback address without tokens, and warns once on loopback", async () => {
    const result = await runServer({ HOST: "0.0.0.0" })
    expect(result.code).toBe(2)
    expect(result.output).toMatch(/HOST=0\.0\.0\.0 would expose the APIs without authentication/)

    const local = await startServer()
    try {
      expect(local.logs().match(/No CAPABILITY_TOKENS/g)).toHaveLength(1)
    } finally {
      await local.stop()
    }
  })

  it("refuses malformed token configuration, naming the entry", async () => {
    for (const [tokens, message] of [
      ["svc:short:read", /entry 1 \(svc\): the token must be at least 16 characters/],
      [`svc:${READER}:superuser`, /unknown scope \\?"superuser/],
      [`svc:${READER}`, /expected name:token:scopes/]
    ] as const) {
      const { output } = await runServer({ CAPABILITY_TOKENS: tokens })
      expect(output).toMatch(message)
      expect(output).not.toContain(READER)
    }
  })
})
