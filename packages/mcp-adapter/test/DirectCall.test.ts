import { assert, describe, it } from "@effect/vitest"
import { CallToolRequestSchema, isJSONRPCRequest } from "@modelcontextprotocol/sdk/types.js"
import { Authenticator } from "@schematic-capability/capability-core"
import { Effect, FastCheck as fc, Redacted } from "effect"
import { McpHttp } from "../src/index.js"
import { directCall } from "../src/internal/directCall.js"
import { listenOnLoopback, sandboxServices } from "./support.js"

const READER = "reader-token"
const WRITER = "writer-token"

/** The /mcp listener on its own loopback port, with the direct lane on or off. */
const serve = (directToolCalls: boolean) =>
  Effect.gen(function* () {
    const listener = yield* McpHttp.listener({
      directToolCalls,
      authenticator: Authenticator.fromTokens([
        { name: "reader", token: Redacted.make(READER), scopes: ["read"] },
        { name: "writer", token: Redacted.make(WRITER), scopes: ["write"] }
      ])
    })
    return `http://127.0.0.1:${yield* listenOnLoopback(listener)}/mcp`
  })

const headers = (token: string, extra: Record<string, string> = {}) => ({
  "content-type": "application/json",
  accept: "application/json, text/event-stream",
  authorization: `Bearer ${token}`,
  ...extra
})

const post = (url: string, requestHeaders: Record<string, string>, body: unknown) =>
  Effect.promise(async () => {
    const response = await fetch(url, { method: "POST", headers: requestHeaders, body: JSON.stringify(body) })
    const text = await response.text()
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      body: text === "" ? null : JSON.parse(text)
    }
  })

const call = (id: number | string, name: string, args?: unknown) => ({
  jsonrpc: "2.0",
  id,
  method: "tools/call",
  params: args === undefined ? { name } : { name, arguments: args }
})

/** Calls the lane takes: a result, a refusal of the arguments, an unknown tool, a tool outside the token's scopes. */
const laneCalls: ReadonlyArray<readonly [string, unknown]> = [
  [READER, call(1, "list-companies", { limit: 5 })],
  [READER, call("two", "list-companies")],
  [READER, call(3, "list-users", { limit: 0 })],
  [READER, call(4, "list-companies", { limit: "five", extra: true })],
  [READER, call(5, "no-such-tool", {})],
  [READER, call(6, "upsert-company", { keys: { crm: "c-1" }, name: "Refused" })],
  [WRITER, call(7, "track-usage-event", { event: "", company: {} })]
]

/** Requests the lane leaves to the SDK: other methods, batches, odd headers, malformed calls. */
const sdkRequests: ReadonlyArray<readonly [Record<string, string>, unknown]> = [
  [headers(READER), { jsonrpc: "2.0", id: 1, method: "tools/list" }],
  [headers(READER), [call(1, "list-companies"), call(2, "list-users")]],
  [headers(READER), { jsonrpc: "2.0", method: "notifications/initialized" }],
  [headers(READER, { "mcp-protocol-version": "1999-01-01" }), call(1, "list-companies")],
  [headers(READER, { accept: "application/json" }), call(1, "list-companies")],
  [headers(READER, { "content-type": "text/plain" }), call(1, "list-companies")],
  [headers(READER), { jsonrpc: "2.0", id: 1, method: "tools/call", params: { arguments: {} } }],
  [headers(READER), { jsonrpc: "1.0", id: 1, method: "tools/call", params: { name: "list-companies" } }],
  [headers(READER), { jsonrpc: "2.0", id: 1, method: "tools/call", params: { name: "list-companies", _meta: {} } }]
]

describe("McpHttp direct tool calls", () => {
  it("takes plain tools/call requests and leaves every other request to the SDK", () => {
    for (const [token, body] of laneCalls) assert.isDefined(directCall(headers(token), body), JSON.stringify(body))
    for (const [requestHeaders, body] of sdkRequests) {
      assert.isUndefined(directCall(requestHeaders, body), `${JSON.stringify(requestHeaders)} ${JSON.stringify(body)}`)
    }
  })

  it("takes only calls the SDK's schemas take, with the same values, and every plain one", () => {
    // The lane by the SDK's schemas alone, as it was before it took the plain shape without them.
    const bySchemas = (body: unknown) => {
      if (!isJSONRPCRequest(body)) return undefined
      const parsed = CallToolRequestSchema.safeParse(body)
      if (!parsed.success || parsed.data.params.task !== undefined) return undefined
      return { id: body.id, name: parsed.data.params.name, arguments: parsed.data.params.arguments }
    }
    const maybe = <A>(arbitrary: fc.Arbitrary<A>) => fc.option(arbitrary, { nil: undefined })
    // The plain shape itself, with any id, name and arguments, as JSON.parse gives it.
    const plain = fc
      .record({
        id: fc.oneof(fc.string(), fc.integer()),
        name: fc.string(),
        // A key named __proto__ is not plain (the direct lane leaves it to the SDK): it is among the changes below.
        arguments: maybe(
          fc.dictionary(
            fc.string().filter((key) => key !== "__proto__"),
            fc.jsonValue()
          )
        )
      })
      .map(({ id, name, arguments: args }) => JSON.parse(JSON.stringify(call(id, name, args))))
    // One thing changed in a plain call, each a check of the shape.
    type Body = { [key: string]: unknown; params: Record<string, unknown> }
    const changes: ReadonlyArray<(body: Body) => unknown> = [
      (body) => ({ ...body, id: 1.5 }),
      (body) => ({ ...body, id: 2 ** 60 }),
      (body) => ({ ...body, id: null }),
      (body) => ({ ...body, id: JSON.parse("-0") }),
      (body) => ({ ...body, jsonrpc: "1.0" }),
      (body) => ({ ...body, method: "tools/list" }),
      (body) => ({ ...body, result: {} }),
      (body) => ({ ...body, params: [body.params] }),
      (body) => ({ ...body, params: null }),
      (body) => ({ ...body, params: { ...body.params, name: 5 } }),
      (body) => ({ ...body, params: { ...body.params, _meta: { progressToken: 1 } } }),
      (body) => ({ ...body, params: { ...body.params, task: { ttl: 1000 } } }),
      (body) => ({ ...body, params: { ...body.params, other: true } }),
      (body) => ({ ...body, params: { ...body.params, arguments: [1] } }),
      (body) => ({ ...body, params: { ...body.params, arguments: null } }),
      (body) => ({ ...body, params: { ...body.params, arguments: JSON.parse(`{"__proto__": {"x": 1}, "limit": 5}`) } })
    ]
    const changed = fc.tuple(plain, fc.nat(changes.length - 1)).map(([body, index]) => changes[index]!(body))
    fc.assert(
      fc.property(fc.oneof(plain, changed, fc.jsonValue()), (body) => {
        const taken = directCall(headers(READER), body)
        if (taken !== undefined) assert.deepStrictEqual(taken, bySchemas(body), JSON.stringify(body))
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) }
    )
    fc.assert(
      fc.property(plain, (body) => {
        assert.deepStrictEqual(directCall(headers(READER), body), bySchemas(body), JSON.stringify(body))
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 500) }
    )
  })

  it.scoped("answers exactly as the SDK answers the same requests", () =>
    Effect.gen(function* () {
      const sdk = yield* serve(false)
      const direct = yield* serve(true)
      // Something to list.
      yield* post(sdk, headers(WRITER), call(0, "upsert-company", { keys: { crm: "c-0" }, name: "Listed" }))

      for (const [token, body] of laneCalls) {
        const expected = yield* post(sdk, headers(token), body)
        const actual = yield* post(direct, headers(token), body)
        assert.deepStrictEqual(actual, expected, JSON.stringify(body))
      }
      // The lane's answers are the SDK's: results, isError results with the code first, the request's own id.
      const listed = yield* post(direct, headers(READER), laneCalls[0]![1])
      assert.strictEqual(listed.body.id, 1)
      assert.deepStrictEqual(
        listed.body.result.structuredContent.companies.map((company: { name: string }) => company.name),
        ["Listed"]
      )
      const refused = yield* post(direct, headers(READER), laneCalls[5]![1])
      assert.isTrue(refused.body.result.isError)
      assert.match(refused.body.result.content[0].text, /^forbidden: /)

      for (const [requestHeaders, body] of sdkRequests) {
        const expected = yield* post(sdk, requestHeaders, body)
        const actual = yield* post(direct, requestHeaders, body)
        assert.deepStrictEqual(actual, expected, JSON.stringify(body))
      }
    }).pipe(Effect.provide(sandboxServices))
  )
})
