import { request as httpRequest } from "node:http"
import { assert, describe, it } from "@effect/vitest"
import { Client } from "@modelcontextprotocol/sdk/client/index.js"
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js"
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js"
import { Authenticator, type RequestObserver } from "@schematic-capability/capability-core"
import { Effect, Redacted } from "effect"
import { McpHttp } from "../src/index.js"
import { type Answer, sampled, sandboxServices, servedBothWays } from "./support.js"

const READER = "reader-token"
const WRITER = "writer-token"

const optionsFor = (samples: Array<RequestObserver.RequestSample>): McpHttp.Options => ({
  maxBodyBytes: 4096,
  authenticator: Authenticator.fromTokens([
    { name: "reader", token: Redacted.make(READER), scopes: ["read"] },
    { name: "writer", token: Redacted.make(WRITER), scopes: ["write"] }
  ]),
  observe: (sample) => void samples.push(sample)
})

/** The headers an answer is compared on. */
const COMPARED = ["content-type", "www-authenticate", "retry-after", "allow", "mcp-session-id"]

const parse = (text: string) => (text === "" ? null : JSON.parse(text))

interface Case {
  readonly name: string
  readonly method?: string
  readonly path?: string
  /** The Host the request names: the server's loopback address when not given. */
  readonly host?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}

const mcpHeaders = (token: string | undefined) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  ...(token === undefined ? {} : { authorization: `Bearer ${token}` })
})

const rpc = (id: number, method: string, params?: unknown) =>
  JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) })

const cases: ReadonlyArray<Case> = [
  {
    name: "initialize",
    headers: mcpHeaders(READER),
    body: rpc(1, "initialize", {
      protocolVersion: LATEST_PROTOCOL_VERSION,
      capabilities: {},
      clientInfo: { name: "differential", version: "1.0.0" }
    })
  },
  { name: "tools/list", headers: mcpHeaders(READER), body: rpc(2, "tools/list") },
  { name: "tools/call", headers: mcpHeaders(READER), body: rpc(3, "tools/call", { name: "list-companies" }) },
  {
    name: "tools/call, bad arguments",
    headers: mcpHeaders(READER),
    body: rpc(4, "tools/call", { name: "list-companies", arguments: { limit: "five" } })
  },
  { name: "tools/call, bad params", headers: mcpHeaders(READER), body: rpc(5, "tools/call", { arguments: {} }) },
  {
    name: "tools/call, scope short",
    headers: mcpHeaders(READER),
    body: rpc(6, "tools/call", { name: "upsert-company", arguments: { keys: { crm: "m-1" } } })
  },
  { name: "auth missing", headers: mcpHeaders(undefined), body: rpc(7, "tools/list") },
  { name: "auth bad", headers: mcpHeaders("not-a-token"), body: rpc(8, "tools/list") },
  { name: "bad JSON", headers: mcpHeaders(READER), body: "{nope" },
  { name: "oversized body", headers: mcpHeaders(READER), body: rpc(9, "tools/list", { pad: "x".repeat(8192) }) },
  { name: "GET", method: "GET", headers: mcpHeaders(READER) },
  { name: "unknown path", path: "/other", headers: mcpHeaders(READER), body: rpc(10, "tools/list") },
  { name: "Host not allowed", host: "attacker.test", headers: mcpHeaders(READER), body: rpc(11, "tools/list") },
  {
    name: "Origin not allowed",
    headers: { ...mcpHeaders(READER), origin: "http://attacker.test" },
    body: rpc(12, "tools/list")
  }
]

/** A case over loopback HTTP to the node listener, with the Host header it names. */
const overNode = (port: number, test: Case) =>
  new Promise<Answer>((resolve, reject) => {
    const request = httpRequest({
      host: "127.0.0.1",
      port,
      path: test.path ?? "/mcp",
      method: test.method ?? "POST",
      headers: { host: test.host ?? `127.0.0.1:${port}`, ...test.headers }
    })
    request.on("response", (response) => {
      let text = ""
      response.on("data", (chunk) => {
        text += chunk
      })
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          headers: Object.fromEntries(
            COMPARED.map((name) => [name, (response.headers[name] as string | undefined) ?? null])
          ),
          body: parse(text)
        })
      )
    })
    request.on("error", reject)
    request.end(test.body)
  })

/** The same case as a web Request to the web handler, whose URL names the same host and port. */
const overWeb = async (handler: (request: Request) => Promise<Response>, port: number, test: Case) => {
  const response = await handler(
    new Request(`http://${test.host ?? `127.0.0.1:${port}`}${test.path ?? "/mcp"}`, {
      method: test.method ?? "POST",
      headers: test.headers ?? {},
      ...(test.body === undefined ? {} : { body: test.body })
    })
  )
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED.map((name) => [name, response.headers.get(name)])),
    body: parse(await response.text())
  }
}

/** The official client over `fetch`: tools listed, a call and a refused call. */
const session = async (transport: StreamableHTTPClientTransport) => {
  const client = new Client({ name: "differential", version: "1.0.0" })
  await client.connect(transport)
  try {
    return {
      server: client.getServerVersion(),
      tools: await client.listTools(),
      call: await client.callTool({ name: "list-companies", arguments: { limit: 5 } }),
      refused: await client.callTool({ name: "list-companies", arguments: { limit: 0 } }),
      unknown: await client.callTool({ name: "no-such-tool", arguments: {} })
    }
  } finally {
    await client.close()
  }
}

describe("McpHttp.toWebHandler", () => {
  it.scoped("answers every request as the node:http listener does: status, body and headers", () =>
    Effect.gen(function* () {
      const { port, handler, nodeSamples, webSamples } = yield* servedBothWays(McpHttp, optionsFor)

      const statuses: Array<number> = []
      for (const test of cases) {
        const expected = yield* Effect.promise(() => overNode(port, test))
        const actual = yield* Effect.promise(() => overWeb(handler, port, test))
        assert.deepStrictEqual({ case: test.name, ...actual }, { case: test.name, ...expected })
        statuses.push(expected.status)
      }
      // The cases cover what they are named for.
      assert.deepStrictEqual(statuses, [200, 200, 200, 200, 200, 200, 401, 401, 400, 413, 405, 404, 403, 403])
      assert.deepStrictEqual(sampled(webSamples), sampled(nodeSamples))
      assert.deepStrictEqual(sampled(nodeSamples), [
        ["list-companies", "mcp", 200],
        ["list-companies", "mcp", 400],
        ["upsert-company", "mcp", 403]
      ])

      // The official client, over loopback HTTP and over a fetch that calls the web handler.
      const authorization = { headers: { authorization: `Bearer ${READER}` } }
      const overHttp = yield* Effect.promise(() =>
        session(
          new StreamableHTTPClientTransport(new URL(`http://127.0.0.1:${port}/mcp`), { requestInit: authorization })
        )
      )
      const overHandler = yield* Effect.promise(() =>
        session(
          new StreamableHTTPClientTransport(new URL("http://localhost/mcp"), {
            requestInit: authorization,
            fetch: (url, init) => handler(new Request(url, init))
          })
        )
      )
      assert.deepStrictEqual(overHandler, overHttp)
      assert.isAbove(overHttp.tools.tools.length, 10)
      assert.isUndefined(overHttp.call.isError)
      assert.isTrue(overHttp.refused.isError)
    }).pipe(Effect.provide(sandboxServices))
  )

  it.effect("allows loopback names on the URL's port by default, and the hosts and origins it is given", () =>
    Effect.gen(function* () {
      const open = yield* McpHttp.webHandler()
      const listed = (handler: typeof open, url: string, origin?: string) =>
        Effect.promise(() =>
          handler(
            new Request(url, {
              method: "POST",
              headers: { ...mcpHeaders(undefined), ...(origin === undefined ? {} : { origin }) },
              body: rpc(1, "tools/list")
            })
          ).then((response) => response.status)
        )
      assert.strictEqual(yield* listed(open, "http://localhost/mcp"), 200)
      assert.strictEqual(yield* listed(open, "http://[::1]:8787/mcp", "http://localhost:8787"), 200)
      assert.strictEqual(yield* listed(open, "http://localhost:8787/mcp", "http://localhost:9999"), 403)
      assert.strictEqual(yield* listed(open, "https://mcp.example.com/mcp"), 403)
      const named = yield* McpHttp.webHandler({
        allowedHosts: ["mcp.example.com"],
        allowedOrigins: ["https://app.example.com"]
      })
      assert.strictEqual(yield* listed(named, "https://mcp.example.com/mcp", "https://app.example.com"), 200)
      assert.strictEqual(yield* listed(named, "https://mcp.example.com/mcp", "https://other.example.com"), 403)
      assert.strictEqual(yield* listed(named, "http://localhost/mcp"), 403)
    }).pipe(Effect.provide(sandboxServices))
  )
})
