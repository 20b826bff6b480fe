import { describe, expect, it } from "@effect/vitest"
import { Option, Schema } from "effect"
import { JsonSchemas, SchemaCheck } from "../src/index.js"

const Key = Schema.Struct({ key: Schema.String, value: Schema.String }).annotations({ identifier: "Key" })
const Account = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1)),
  seats: Schema.Int.pipe(Schema.between(1, 100)),
  keys: Schema.Array(Key),
  owner: Schema.optional(Schema.NullOr(Key))
})
const valid = { name: "Acme", seats: 3, keys: [{ key: "crm", value: "1" }], owner: null }

describe("JsonSchemas", () => {
  it("gives plain JSON Schema: references inlined, an object at the root", () => {
    const json = JsonSchemas.of(Account)
    expect(JSON.stringify(json)).not.toContain("$ref")
    expect(json.type).toBe("object")
    expect(json.required).toEqual(["name", "seats", "keys"])
  })
})

describe("SchemaCheck.acceptorOf", () => {
  it("says yes to valid values, no to what Effect Schema refuses, with refinements stated in JSON Schema", () => {
    const accept = SchemaCheck.acceptorOf(Account)!
    expect(accept(valid)).toBe(true)
    for (const invalid of [
      { ...valid, name: "" },
      { ...valid, seats: 1.5 },
      { ...valid, seats: 101 },
      { ...valid, keys: [{ key: "crm" }] },
      { ...valid, owner: "me" }
    ]) {
      expect(accept(invalid)).toBe(false)
      expect(Schema.is(Account)(invalid)).toBe(false)
    }
  })

  it("refuses keys the schema does not name by default, and lets them through when asked", () => {
    const extra = { ...valid, keys: [{ key: "crm", value: "1", added: true }], plan: "pro" }
    expect(SchemaCheck.acceptorOf(Account)!(extra)).toBe(false)
    expect(SchemaCheck.acceptorOf(Account, { excessProperties: "allow" })!(extra)).toBe(true)
    expect(Schema.is(Account)(extra)).toBe(true)
  })

  it("leaves to Effect Schema what JSON Schema cannot say, and every value holding a key named __proto__", () => {
    expect(SchemaCheck.acceptorOf(Schema.NumberFromString)).toBeUndefined()
    expect(SchemaCheck.acceptorOf(Schema.String.pipe(Schema.filter((text) => text !== "no")))).toBeUndefined()
    const withProto = JSON.parse(`{"name":"A","seats":1,"keys":[],"__proto__":{}}`)
    expect(SchemaCheck.acceptorOf(Account)!(withProto)).toBe(false)
    // Allowing excess keys checks as Schema.is does, which keeps the value as it is: the key is one more excess key.
    expect(SchemaCheck.acceptorOf(Account, { excessProperties: "allow" })!(withProto)).toBe(true)
    expect(Schema.is(Account)(withProto)).toBe(true)
  })
})

describe("SchemaCheck.decoderOf", () => {
  const Page = Schema.Struct({
    limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 250)), { default: () => 100 }),
    offset: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 0 }),
    q: Schema.optional(Schema.String.pipe(Schema.maxLength(5)))
  })
  const decode = Schema.decodeUnknownOption(Page, { onExcessProperty: "error" })

  it("decodes a struct with defaults as Effect Schema does: defaults filled, given values kept", () => {
    const decoder = SchemaCheck.decoderOf(Page)
    for (const input of [{}, { limit: 5 }, { offset: 7, q: "acme" }, { limit: 250, offset: 0, q: "" }]) {
      const fast = decoder(input)
      expect(Option.isSome(fast)).toBe(true)
      expect(fast).toEqual(decode(input))
    }
    // A copy: the caller's value is not changed by the defaults.
    const given = { q: "x" }
    expect(decoder(given)).toEqual(Option.some({ q: "x", limit: 100, offset: 0 }))
    expect(given).toEqual({ q: "x" })
  })

  it("decides nothing on what Effect Schema refuses, so the refusal names the field as before", () => {
    const decoder = SchemaCheck.decoderOf(Page)
    for (const input of [{ limit: 0 }, { limit: 1.5 }, { offset: -1 }, { q: "toolong" }, { page: 2 }, null, []]) {
      expect(Option.isNone(decoder(input))).toBe(true)
      expect(Option.isNone(decode(input))).toBe(true)
    }
  })

  it("checks the decoded side too: a default outside its own field's rules is left to Effect Schema", () => {
    const Broken = Schema.Struct({
      limit: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 9)), { default: () => 10 })
    })
    expect(Option.isNone(SchemaCheck.decoderOf(Broken)({}))).toBe(true)
    expect(Option.isNone(Schema.decodeUnknownOption(Broken)({}))).toBe(true)
  })

  it("is the acceptor for plain schemas, and decides nothing for what neither speaks for", () => {
    expect(SchemaCheck.decoderOf(Account)(valid)).toEqual(Option.some(valid))
    expect(SchemaCheck.decoderOf(Schema.NumberFromString)("1")).toEqual(Option.none())
    const defaulted = Schema.Struct({ at: Schema.optionalWith(Schema.NumberFromString, { default: () => 1 }) })
    expect(SchemaCheck.decoderOf(defaulted)({ at: "2" })).toEqual(Option.none())
    expect(Schema.decodeUnknownSync(defaulted)({ at: "2" })).toEqual({ at: 2 })
  })
})

describe("SchemaCheck.isOf", () => {
  it("answers as Schema.is does, for what the compiled check accepts and for what only Schema.is decides", () => {
    const is = Schema.is(Account)
    const fast = SchemaCheck.isOf(Account)
    const withProto = JSON.parse(`{"name":"A","seats":1,"keys":[],"__proto__":{}}`)
    for (const value of [valid, { ...valid, extra: 1 }, { ...valid, seats: 0 }, withProto, null, "x"]) {
      expect(fast(value)).toBe(is(value))
    }
    // A filter JSON Schema cannot state: no compiled check, Schema.is alone.
    const Odd = Schema.Number.pipe(Schema.filter((n) => n % 2 === 1))
    expect([1, 2].map(SchemaCheck.isOf(Odd))).toEqual([true, false])
  })
})
