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
