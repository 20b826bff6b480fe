import { describe, expect, it } from "@effect/vitest"
import { Schema } from "effect"
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
    expect(SchemaCheck.acceptorOf(Account)!(JSON.parse(`{"name":"A","seats":1,"keys":[],"__proto__":{}}`))).toBe(false)
  })
})
