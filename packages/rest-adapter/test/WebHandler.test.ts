import { assert, describe, it } from "@effect/vitest"
import {
  Authenticator,
  CallerRateLimit,
  type EventSink,
  type RequestObserver
} from "@schematic-capability/capability-core"
import type { SchematicClient } from "@schematic-capability/schematic-client"
import { Effect, Redacted } from "effect"
import { type Answer, sampled, sandboxServices, servedBothWays } from "../../mcp-adapter/test/support.js"
import { RestApi } from "../src/index.js"

const READER = "reader-token"
const WRITER = "writer-token"
const LIMITED = "limited-token"

/** Options for one host; each gets its own rate limit (one request a second, for the `limited` caller only). */
const optionsFor = (samples: Array<RequestObserver.RequestSample>): RestApi.Options => {
  const strict = CallerRateLimit.make(1)
  return {
    maxBodyBytes: 4096,
    authenticator: Authenticator.fromTokens([
      { name: "reader", token: Redacted.make(READER), scopes: ["read"] },
      { name: "writer", token: Redacted.make(WRITER), scopes: ["write"] },
      { name: "limited", token: Redacted.make(LIMITED), scopes: ["read"] }
    ]),
    callerRateLimit: { take: (caller, now) => (caller === "limited" ? strict.take(caller, now) : undefined) },
    observe: (sample) => void samples.push(sample)
  }
}

/** The headers an answer is compared on (Content-Length, Date and Connection are each host's own). */
const COMPARED = ["content-type", "x-request-id", "www-authenticate", "retry-after", "allow"]

const answerOf = async (response: Response): Promise<Answer> => {
  const text = await response.text()
  const type = response.headers.get("content-type") ?? ""
  return {
    status: response.status,
    headers: Object.fromEntries(COMPARED.map((name) => [name, response.headers.get(name)])),
    body: type.startsWith("application/json") ? JSON.parse(text) : text
  }
}

interface Case {
  readonly name: string
  readonly method?: string
  readonly path: string
  readonly token?: string
  readonly headers?: Record<string, string>
  readonly body?: string
}

const json = { "content-type": "application/json" }
const company = JSON.stringify({ keys: { crm: "web-1" }, name: "Web Handler Co" })

/** The same requests for both hosts, in order (the write comes before the reads that see it). */
const cases: ReadonlyArray<Case> = [
  { name: "health", path: "/healthz" },
  { name: "auth missing", path: "/v1/companies" },
  { name: "auth bad", path: "/v1/companies", token: "not-a-token" },
  { name: "scope short", method: "POST", path: "/v1/companies", token: READER, headers: json, body: company },
  { name: "bad JSON", method: "POST", path: "/v1/companies", token: WRITER, headers: json, body: "{nope" },
  {
    name: "not JSON",
    method: "POST",
    path: "/v1/companies",
    token: WRITER,
    headers: { "content-type": "text/plain" },
    body: company
  },
  {
    name: "oversized body",
    method: "POST",
    path: "/v1/companies",
    token: WRITER,
    headers: json,
    body: JSON.stringify({ keys: { crm: "x".repeat(8192) } })
  },
  {
    name: "invalid input",
    method: "POST",
    path: "/v1/companies",
    token: WRITER,
    headers: json,
    body: JSON.stringify({ keys: {} })
  },
  { name: "unknown route", path: "/v1/nothing", token: READER },
  { name: "wrong method", method: "DELETE", path: "/v1/companies", token: WRITER },
  { name: "write", method: "POST", path: "/v1/companies", token: WRITER, headers: json, body: company },
  { name: "read", path: "/v1/companies?q=Web%20Handler&limit=5", token: READER },
  { name: "read by key", path: "/v1/companies/lookup?keys[crm]=web-1", token: READER },
  { name: "read, bad query", path: "/v1/companies?limit=many", token: READER },
  { name: "rate limit, first", path: "/v1/companies?limit=1", token: LIMITED },
  { name: "rate limit, past it", path: "/v1/companies?limit=1", token: LIMITED },
  { name: "OpenAPI document", path: "/openapi.json" },
  { name: "docs", path: "/docs" }
]

const initOf = (test: Case, index: number): RequestInit => ({
  method: test.method ?? "GET",
  headers: {
    "x-request-id": `case-${index}`,
    ...(test.token === undefined ? {} : { authorization: `Bearer ${test.token}` }),
    ...test.headers
  },
  ...(test.body === undefined ? {} : { body: test.body })
})

/**
 * A write answers with the time it was made: two writes of the same company differ only there, and in the id of a
 * company the second write found rather than made.
 */
const stable = (value: unknown): unknown =>
  Array.isArray(value)
    ? value.map(stable)
    : typeof value === "object" && value !== null
      ? Object.fromEntries(
          Object.entries(value)
            .filter(([key]) => !key.endsWith("_at"))
            .map(([key, item]) => [key, stable(item)])
        )
      : value

describe("RestApi.toWebHandler", () => {
  it.scoped("answers every request as the node:http listener does: status, body and headers", () =>
    Effect.gen(function* () {
      const { port, handler, nodeSamples, webSamples } = yield* servedBothWays(RestApi, optionsFor)
      const base = `http://127.0.0.1:${port}`

      for (const [index, test] of cases.entries()) {
        const overNode = yield* Effect.promise(() => fetch(`${base}${test.path}`, initOf(test, index)).then(answerOf))
        const overWeb = yield* Effect.promise(() =>
          handler(new Request(`http://example.test${test.path}`, initOf(test, index))).then(answerOf)
        )
        assert.deepStrictEqual(
          { case: test.name, ...overWeb, body: stable(overWeb.body) },
          { case: test.name, ...overNode, body: stable(overNode.body) }
        )
      }
      assert.deepStrictEqual(sampled(webSamples), sampled(nodeSamples))
      // The cases cover what they are named for.
      assert.deepStrictEqual(
        sampled(nodeSamples).map(([, , status]) => status),
        [200, 401, 401, 403, 400, 415, 413, 400, 404, 405, 200, 200, 200, 400, 200, 429, 200, 200]
      )
    }).pipe(Effect.provide(sandboxServices))
  )

  it.scoped("refuses a body past the limit while reading it, when no length is declared", () =>
    Effect.gen(function* () {
      const handler = RestApi.toWebHandler(
        yield* Effect.runtime<EventSink.EventSink | SchematicClient.SchematicClient>(),
        { maxBodyBytes: 1024 }
      )
      let pulled = 0
      // A stream that would go on for ever: only a reader that stops at the limit answers.
      const endless = new ReadableStream<Uint8Array>({
        pull: (controller) => {
          pulled++
          controller.enqueue(new TextEncoder().encode(`{"keys": {"crm": "${"x".repeat(512)}`))
        }
      })
      const response = yield* Effect.promise(() =>
        handler(
          new Request("http://localhost/v1/companies", {
            method: "POST",
            headers: json,
            body: endless,
            duplex: "half"
          } as RequestInit)
        )
      )
      const body = (yield* Effect.promise(() => response.json())) as { error: { code: string } }
      assert.deepStrictEqual([response.status, body.error.code], [413, "payload_too_large"])
      assert.isBelow(pulled, 5)
    }).pipe(Effect.provide(sandboxServices))
  )

  it.effect("takes the path as the web host's URL parser left it: dot segments are resolved", () =>
    Effect.gen(function* () {
      const handler = yield* RestApi.webHandler()
      const response = yield* Effect.promise(() => handler(new Request("http://localhost/v1/../healthz")))
      assert.strictEqual(response.status, 200)
    }).pipe(Effect.provide(sandboxServices))
  )
})
