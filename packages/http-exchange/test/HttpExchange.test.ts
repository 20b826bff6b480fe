import { Agent, createServer, request as httpRequest } from "node:http"
import type { AddressInfo } from "node:net"
import { assert, describe, it } from "@effect/vitest"
import { Either } from "effect"
import { HttpExchange } from "../src/index.js"

const request = (body: string, headers: Record<string, string> = { "content-type": "application/json" }) =>
  ({ method: "POST", url: "/x?y=1", headers, body: HttpExchange.fromText(body) }) satisfies HttpExchange.Request

/** What `readJson` answers: the value, or the refusal's code and field paths. */
const read = (req: HttpExchange.Request, maxBytes = 1024) => {
  let answer: unknown
  HttpExchange.readJson(req, maxBytes, (body) => {
    answer = Either.isRight(body)
      ? { value: body.right }
      : { code: body.left.code, status: body.left.status, fields: body.left.fields?.map((field) => field.path) }
  })
  return answer
}

const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`

describe("HttpExchange.readJson", () => {
  it("parses a JSON body within the limits", () => {
    assert.deepStrictEqual(read(request(`{"a": [1, {"b": null}]}`)), { value: { a: [1, { b: null }] } })
    assert.deepStrictEqual(read(request(nested(32))), { value: JSON.parse(nested(32)) })
    assert.deepStrictEqual(read(request("{}", { "content-type": "application/vnd.api+json; charset=utf-8" })), {
      value: {}
    })
  })

  it("refuses each kind of bad body with its own code and status", () => {
    assert.deepStrictEqual(read(request("{}", { "content-type": "text/plain" })), {
      code: "unsupported_media_type",
      status: 415,
      fields: undefined
    })
    assert.deepStrictEqual(read(request("{}", { "content-type": "application/json", "content-length": "5000" })), {
      code: "payload_too_large",
      status: 413,
      fields: undefined
    })
    assert.deepStrictEqual(read(request(`"${"x".repeat(2000)}"`)), {
      code: "payload_too_large",
      status: 413,
      fields: undefined
    })
    assert.deepStrictEqual(read(request("{nope")), { code: "invalid_input", status: 400, fields: [""] })
    assert.deepStrictEqual(read(request(nested(33))), { code: "invalid_input", status: 400, fields: [""] })
  })

  it("names the path without its query", () => {
    assert.strictEqual(HttpExchange.pathOf(request("")), "/x")
    assert.strictEqual(HttpExchange.header(request("", { "x-a": "1" }), "x-a"), "1")
  })
})

describe("HttpExchange.webHandler", () => {
  it("reads a web Request as an exchange's request: path with query, headers, the URL's host and port", () => {
    const request = HttpExchange.fromWeb(
      new Request("http://localhost:8787/v1/x?y=1&z=2", { headers: { "X-A": "1", host: "ignored.test" } })
    )
    assert.deepStrictEqual(
      [request.method, request.url, request.headers["x-a"], request.headers.host, request.localPort],
      ["GET", "/v1/x?y=1&z=2", "1", "localhost:8787", 8787]
    )
    assert.deepStrictEqual(
      [
        HttpExchange.fromWeb(new Request("https://[::1]")).url,
        HttpExchange.fromWeb(new Request("https://[::1]")).localPort
      ],
      ["/", 443]
    )
    assert.strictEqual(HttpExchange.fromWeb(new Request("http://example.test/a")).localPort, 80)
  })

  it("answers through the same Serve, bodies read within the limit", async () => {
    const echo = HttpExchange.webHandler((request, respond) =>
      HttpExchange.readJson(request, 64, (body) =>
        respond(
          Either.isRight(body)
            ? HttpExchange.json({ got: body.right }, 201, { "x-b": "2" })
            : HttpExchange.json({ error: body.left.code }, body.left.status)
        )
      )
    )
    const post = (body: string) =>
      echo(new Request("http://localhost/", { method: "POST", headers: { "content-type": "application/json" }, body }))
    const ok = await post(`{"a": 1}`)
    assert.deepStrictEqual(
      [ok.status, ok.headers.get("content-type"), ok.headers.get("x-b"), await ok.json()],
      [201, "application/json", "2", { got: { a: 1 } }]
    )
    const large = await post(`"${"x".repeat(100)}"`)
    assert.deepStrictEqual([large.status, await large.json()], [413, { error: "payload_too_large" }])
    const broken = await post("{")
    assert.deepStrictEqual([broken.status, await broken.json()], [400, { error: "invalid_input" }])
    // A status whose web Response has no body at all.
    const empty = await HttpExchange.webHandler((_, respond) =>
      respond({ status: 204, contentType: "text/plain", headers: {}, body: "" })
    )(new Request("http://localhost/"))
    assert.deepStrictEqual([empty.status, await empty.text()], [204, ""])
  })
})

describe("HttpExchange.listener", () => {
  it("keeps the connection of a request without a body answered at once, and closes one whose body it refused unread", async () => {
    const server = createServer(
      HttpExchange.listener((request, respond) =>
        request.method === "GET"
          ? respond(HttpExchange.json({ status: "ok" }, 200))
          : respond(HttpExchange.json({ error: "refused" }, 413))
      )
    )
    await new Promise<void>((listening) => server.listen(0, "127.0.0.1", listening))
    const sockets = new Set<unknown>()
    server.on("connection", (socket) => sockets.add(socket))
    // One socket at most, kept between requests: a request waits for the one before it to be answered.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 })
    const call = (method: string, body?: string) =>
      new Promise<{ status: number; connection: string | undefined }>((answered, failed) => {
        const sent = httpRequest(
          { host: "127.0.0.1", port: (server.address() as AddressInfo).port, path: "/", method, agent },
          (response) => {
            response.resume()
            response.on("end", () =>
              answered({ status: response.statusCode!, connection: response.headers.connection })
            )
          }
        )
        sent.on("error", failed)
        sent.end(body)
      })
    try {
      for (let i = 0; i < 3; i++) assert.deepStrictEqual(await call("GET"), { status: 200, connection: "keep-alive" })
      // Three requests, one connection.
      assert.strictEqual(sockets.size, 1)
      assert.deepStrictEqual(await call("POST", "x".repeat(100_000)), { status: 413, connection: "close" })
    } finally {
      agent.destroy()
      server.closeAllConnections()
      await new Promise((closed) => server.close(closed))
    }
  })
})
