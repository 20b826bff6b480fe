import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, rest, startServer } from "./support.js"

/** Hostile JSON: wrong types, huge strings, deep nesting, prototype keys. */
const hostileValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.double(),
    fc.integer(),
    fc.string(),
    fc.string({ minLength: 5000, maxLength: 20000 }),
    fc.constantFrom("__proto__", "constructor", "\u0000", "\ud800", "' OR 1=1 --", "<script>"),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom("__proto__", "constructor", "keys", "event", "body", "limit", "x"), tie("value"), {
      maxKeys: 4
    })
  )
})).value

const hostileObject = fc.dictionary(
  fc.constantFrom(
    "keys",
    "name",
    "traits",
    "event",
    "body",
    "event_type",
    "company",
    "events",
    "limit",
    "__proto__",
    "constructor",
    "zz"
  ),
  hostileValue,
  { maxKeys: 5 }
)

const deep = fc.integer({ min: 40, max: 400 }).map((depth) => {
  let value: unknown = "x"
  for (let i = 0; i < depth; i++) value = { keys: value }
  return value
})

const ACCEPTABLE = new Set([200, 202, 400, 404, 413, 415])
const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

describe("hostile input never hurts", () => {
  let server: RunningServer
  let client: Client
  let cases = 0
  beforeAll(async () => {
    server = await startServer()
    client = new Client({ name: "fuzz", version: "1.0.0" })
    await client.connect(new StreamableHTTPClientTransport(new URL(server.mcp)))
  })
  afterAll(async () => {
    console.log(`fuzz: ${cases} generated requests and tool calls`)
    await client.close()
    await server.stop()
  })

  const posts = ["/v1/companies", "/v1/users", "/v1/events", "/v1/events/batch", "/v1/events/outbox/requeue"]
  const gets = [
    "/v1/companies",
    "/v1/users",
    "/v1/insights",
    "/v1/insights/summary",
    "/v1/insights/plan-growth",
    "/v1/insights/top-features",
    "/v1/events/outbox",
    "/v1/events/outbox/dead-letters"
  ]

  it("every POST route: malformed and hostile bodies get 4xx, never 5xx", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...posts), fc.oneof(hostileObject, hostileValue, deep), async (path, body) => {
        cases++
        const response = await rest(server.rest, "POST", path, body)
        expect(
          ACCEPTABLE.has(response.status),
          `${path} ${response.status} ${JSON.stringify(response.body).slice(0, 300)}`
        ).toBe(true)
        if (response.status >= 400)
          expect(response.body.error.code).toMatch(
            /^(invalid_input|payload_too_large|unsupported_media_type|not_found)$/
          )
      }),
      { numRuns: RUNS }
    )
  })

  it("every POST route: truncated bodies, wrong content types, raw bytes get 4xx", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...posts),
        fc.oneof(
          fc.string().map((text) => ({ body: `{"keys": ${text}` as BodyInit, type: "application/json" })),
          // Raw bytes, invalid UTF-8 included.
          fc.uint8Array({ maxLength: 200 }).map((bytes) => ({ body: bytes as BodyInit, type: "application/json" })),
          fc
            .tuple(fc.string(), fc.constantFrom("text/plain", "application/xml", "multipart/form-data"))
            .map(([text, type]) => ({ body: text as BodyInit, type }))
        ),
        async (path, { body, type }) => {
          cases++
          const response = await fetch(`${server.rest}${path}`, {
            method: "POST",
            headers: { "content-type": type },
            body
          })
          expect([400, 413, 415]).toContain(response.status)
        }
      ),
      { numRuns: RUNS }
    )
  })

  it("every GET route: hostile query strings get 200 or 400, never 5xx", async () => {
    const param = fc.tuple(
      fc.constantFrom(
        "limit",
        "offset",
        "q",
        "company_id",
        "plan_id",
        "months",
        "start_time",
        "end_time",
        "__proto__",
        "x"
      ),
      fc.oneof(fc.string(), fc.integer().map(String), fc.string({ minLength: 600, maxLength: 3000 }))
    )
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...gets), fc.array(param, { maxLength: 4 }), async (path, params) => {
        cases++
        const query = params
          .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`)
          .join("&")
        const response = await rest(server.rest, "GET", `${path}?${query}`)
        expect([200, 400], `${path}?${query.slice(0, 200)} ${response.status}`).toContain(response.status)
      }),
      { numRuns: RUNS }
    )
  })

  it("every MCP tool: hostile arguments get isError, never a protocol error; nesting past the limit is refused as REST refuses it", async () => {
    const { tools } = await client.listTools()
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...tools.map((tool) => tool.name)),
        fc.oneof(
          hostileObject.map((args) => ({ args, tooDeep: false })),
          deep.map((args) => ({ args, tooDeep: true }))
        ),
        async (name, { args, tooDeep }) => {
          cases++
          const calling = client.callTool({ name, arguments: args as Record<string, unknown> })
          if (tooDeep) {
            await expect(calling).rejects.toThrow(/"code":-32700,"message":"The body nests deeper than 32 levels"/)
            return
          }
          const result = (await calling) as CallToolResult
          if (result.isError) {
            expect((result.content[0] as { text: string }).text).toMatch(/^(invalid_input|not_found|forbidden)/)
          }
        }
      ),
      { numRuns: RUNS }
    )
  })

  it("is still up and serving after all of it", async () => {
    expect((await rest(server.rest, "GET", "/healthz")).status).toBe(200)
    expect((await rest(server.rest, "GET", "/v1/companies")).status).toBe(200)
  })
})
