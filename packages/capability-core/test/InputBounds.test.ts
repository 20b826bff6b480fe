/**
 * However large or wrong an input, its refusal is cheap and small: every array of every operation's input has a
 * bound, an array past it is refused by its length before any item is decoded, and a refusal names at most
 * `MAX_FIELD_ISSUES` fields.
 */
import { describe, expect, it } from "@effect/vitest"
import { JsonSchemas } from "@schematic-capability/schema-check"
import { Effect, Either, FastCheck as fc, Schema } from "effect"
import { Capability, CapabilityError, type Operation, Operations } from "../src/index.js"

type Shape = { readonly operation: Operation.Operation; readonly shape: Capability.InputShape }
const shapes: ReadonlyArray<Shape> = Operations.all.flatMap((operation) => [
  { operation, shape: "canonical" as const },
  ...(operation.mcp === undefined ? [] : [{ operation, shape: "mcp" as const }])
])
const label = (entry: Shape) => `${entry.operation.name} (${entry.shape})`
const schemaOf = (entry: Shape) =>
  // biome-ignore lint/suspicious/noExplicitAny: any operation's schema
  (entry.shape === "mcp" ? entry.operation.mcp!.input : entry.operation.input) as Schema.Schema<any, any, never>

type Node = Record<string, unknown>

/** Every array a JSON Schema declares, with the property path that reaches it. */
const arraysOf = (node: unknown, path: ReadonlyArray<string>, out: Array<{ path: string[]; node: Node }>) => {
  if (typeof node !== "object" || node === null) return out
  const record = node as Node
  if (record.type === "array") out.push({ path: [...path], node: record })
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    for (const member of (record[key] as Array<unknown> | undefined) ?? []) arraysOf(member, path, out)
  }
  for (const [name, child] of Object.entries((record.properties as Node | undefined) ?? {})) {
    arraysOf(child, [...path, name], out)
  }
  if (record.items !== undefined) arraysOf(record.items, [...path, "0"], out)
  return out
}

const decode = (entry: Shape, raw: unknown) =>
  Effect.runSync(Effect.either(Capability.decodeInput(entry.operation, raw, entry.shape)))

describe("input bounds", () => {
  it("every array of every input has a maximum length", () => {
    for (const entry of shapes) {
      for (const array of arraysOf(JsonSchemas.of(schemaOf(entry)), [], [])) {
        expect(typeof array.node.maxItems, `${label(entry)}: ${array.path.join(".")}`).toBe("number")
      }
    }
  })

  it("an array past its bound is refused by its length, naming it, before its items are looked at", () => {
    for (const entry of shapes) {
      const topLevel = arraysOf(JsonSchemas.of(schemaOf(entry)), [], []).filter((array) => array.path.length === 1)
      for (const array of topLevel) {
        const name = array.path[0]!
        // Items of every wrong kind: decoding them one by one would cost seconds and name each.
        const raw = { [name]: Array.from({ length: 300_000 }, (_, index) => (index % 2 === 0 ? 1 : { x: [] })) }
        const result = decode(entry, raw)
        expect(Either.isLeft(result), label(entry)).toBe(true)
        const error = (result as Either.Left<CapabilityError.CapabilityError, unknown>).left
        expect(error.code).toBe("invalid_input")
        expect(error.fields, label(entry)).toEqual([
          { path: name, message: `must have at most ${array.node.maxItems} ${array.path[0]} (it has 300000)` }
        ])
      }
    }
  })

  it("a refusal names at most the first fields at fault, and says how many more", () => {
    const batch = Operations.all.find((operation) => operation.name === "create-event-batch")!
    const result = decode({ operation: batch, shape: "canonical" }, { events: Array.from({ length: 1000 }, () => 1) })
    const error = (result as Either.Left<CapabilityError.CapabilityError, unknown>).left
    expect(error.fields).toHaveLength(CapabilityError.MAX_FIELD_ISSUES)
    expect(error.fields?.[0]).toEqual({
      path: "events.0",
      message: 'must be an event: {"event_type": "track" or "identify", "body": {...}}'
    })
    expect(error.message).toMatch(/; and 980 more$/)
    expect(JSON.stringify(error).length).toBeLessThan(64 * 1024)
  })

  it("naming only the first bad items names what decoding every item would name first", () => {
    const batch = Operations.all.find((operation) => operation.name === "create-event-batch")!
    const good = { event_type: "track", body: { event: "api-call", company: { crm: "a" } } }
    const bad = fc.constantFrom<unknown>(
      1,
      { event_type: "track" },
      { ...good, body: { ...good.body, quantity: 1.5 } },
      { ...good, extra: true },
      { event_type: "identify", body: { keys: {} } },
      { ...good, body: { event: " x", user: { " ": "y" } } }
    )
    const events = fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant<unknown>(good) }, bad), {
      minLength: 21,
      maxLength: 120
    })
    fc.assert(
      fc.property(events, (items) => {
        const full = Schema.decodeUnknownEither(batch.input, { errors: "all", onExcessProperty: "error" })({
          events: items
        })
        const result = decode({ operation: batch, shape: "canonical" }, { events: items })
        expect(Either.isLeft(result)).toBe(Either.isLeft(full))
        if (Either.isLeft(full) && Either.isLeft(result)) {
          const expected = CapabilityError.fieldIssues(full.left).slice(0, CapabilityError.MAX_FIELD_ISSUES)
          expect(result.left.fields).toEqual(expected)
        }
      }),
      { numRuns: 60 }
    )
  })

  it("a refusal that echoes what the caller sent stays small", () => {
    const upsert = Operations.all.find((operation) => operation.name === "upsert-company")!
    const long = "k".repeat(1_000_000)
    const result = decode({ operation: upsert, shape: "canonical" }, { keys: { [long]: long }, [long]: 1 })
    const error = (result as Either.Left<CapabilityError.CapabilityError, unknown>).left
    expect(error.code).toBe("invalid_input")
    expect(JSON.stringify(error).length).toBeLessThan(16 * 1024)
  })

  it("ids and keys that cannot go into a URL, and keys of spaces alone, are refused naming the field", () => {
    const get = Operations.all.find((operation) => operation.name === "get-company")!
    for (const [raw, path] of [
      [{ company_id: "\ud800" }, "company_id"],
      [{ keys: { crm: "a\udc00" } }, "keys.crm"],
      [{ keys: { crm: "   " } }, "keys.crm"],
      [{ keys: { " ": "x" } }, "keys"]
    ] as const) {
      const result = decode({ operation: get, shape: "canonical" }, raw)
      expect(Either.isLeft(result), JSON.stringify(raw)).toBe(true)
      const error = (result as Either.Left<CapabilityError.CapabilityError, unknown>).left
      expect(error.fields?.map((field) => field.path)).toContain(path)
    }
  })
})
