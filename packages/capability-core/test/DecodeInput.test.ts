/**
 * Input decoding takes a compiled fast path for plain schemas (`SchemaCheck` of @schematic-capability/schema-check). It must give
 * exactly the verdict and the value Effect Schema gives: checked here on generated valid input, on mutations of
 * it, on arbitrary JSON, and on the edges where JSON Schema and Effect could disagree.
 */
import { describe, expect, it } from "@effect/vitest"
import { SchemaCheck } from "@schematic-capability/schema-check"
import { Arbitrary, Effect, Either, FastCheck as fc, Schema } from "effect"
import { Capability, type Operation, Operations } from "../src/index.js"

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

type Shape = { readonly operation: Operation.Operation; readonly shape: Capability.InputShape }
const shapes: ReadonlyArray<Shape> = Operations.all.flatMap((operation) => [
  { operation, shape: "canonical" as const },
  ...(operation.mcp === undefined ? [] : [{ operation, shape: "mcp" as const }])
])
const schemaOf = ({ operation, shape }: Shape) =>
  // biome-ignore lint/suspicious/noExplicitAny: any operation's schema
  (shape === "mcp" ? operation.mcp!.input : operation.input) as Schema.Schema<any, any, never>

/** What Effect Schema alone says of `raw`, mapped to the operation's input as decodeInput does. */
const reference = (entry: Shape, raw: unknown) => {
  const decoded = Schema.decodeUnknownEither(schemaOf(entry), { errors: "all", onExcessProperty: "error" })(raw)
  return Either.map(decoded, (value) => (entry.shape === "mcp" ? entry.operation.mcp!.toInput(value) : value))
}

const agree = (entry: Shape, raw: unknown) => {
  const expected = reference(entry, raw)
  const actual = Effect.runSync(Effect.either(Capability.decodeInput(entry.operation, raw, entry.shape)))
  const label = `${entry.operation.name} (${entry.shape}): ${JSON.stringify(raw)?.slice(0, 300)}`
  expect(Either.isRight(actual), label).toBe(Either.isRight(expected))
  if (Either.isRight(actual) && Either.isRight(expected)) {
    // Generated idempotency keys differ by design; everything else must be equal.
    const strip = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === "idempotency_key" ? 0 : v)))
    expect(strip(actual.right), label).toEqual(strip(expected.right))
  }
}

/** Replaces one nested value of `value` with `replacement`, at a position chosen by `pick`. */
const mutate = (value: unknown, pick: number, replacement: unknown): unknown => {
  const slots: Array<{ parent: Record<string, unknown> | Array<unknown>; key: string | number }> = []
  const walk = (node: unknown) => {
    if (typeof node !== "object" || node === null) return
    for (const [key, child] of Object.entries(node)) {
      slots.push({ parent: node as Record<string, unknown>, key: Array.isArray(node) ? Number(key) : key })
      walk(child)
    }
  }
  const copy = structuredClone(value)
  walk(copy)
  if (slots.length === 0) return replacement
  const slot = slots[pick % slots.length]!
  ;(slot.parent as Record<string | number, unknown>)[slot.key] = replacement
  return copy
}

const edgeValues: ReadonlyArray<unknown> = [
  "",
  " padded ",
  "😀".repeat(200),
  "x".repeat(256),
  "2026-11-24T23:59:60Z",
  "2026-11-24",
  "not a date",
  2 ** 60,
  1.5,
  -0,
  1_000_000_001,
  null,
  true,
  [],
  {},
  { "": "empty key" },
  JSON.parse('{"__proto__": {"polluted": 1}}'),
  Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, "v"]))
]

describe("decodeInput's fast path agrees with Effect Schema", () => {
  for (const entry of shapes) {
    const name = `${entry.operation.name} (${entry.shape})`
    const valid = Arbitrary.make(Schema.encodedSchema(schemaOf(entry)))

    it(`${name}: generated valid input, then one value of it replaced`, () => {
      fc.assert(
        fc.property(
          valid,
          fc.nat(),
          fc.oneof(fc.constantFrom(...edgeValues), fc.jsonValue()),
          (input, pick, replacement) => {
            agree(entry, input)
            agree(entry, mutate(input, pick, replacement))
          }
        ),
        { numRuns: RUNS }
      )
    })

    it(`${name}: arbitrary JSON`, () => {
      fc.assert(
        fc.property(fc.jsonValue(), (input) => agree(entry, input)),
        { numRuns: RUNS }
      )
    })
  }

  it("takes the fast path for a batch of 1000 events and still names a bad one", () => {
    const batch = Operations.all.find((operation) => operation.name === "create-event-batch")!
    const event = (i: number) => ({
      event_type: "track",
      body: { event: "api-call", company: { crm: `c-${i}` }, quantity: 1 },
      idempotency_key: `k-${i}`
    })
    // The compiled check speaks for the whole batch shape, the company-or-user rule of track events included.
    expect(SchemaCheck.acceptorOf(batch.input)).toBeDefined()
    const events: Array<unknown> = Array.from({ length: 1000 }, (_, i) => event(i))
    events[5] = { event_type: "track", body: { event: "api-call", user: { email: "u@example.com" } } }
    const accepted = Effect.runSync(Capability.decodeInput(batch, { events }))
    expect(accepted).toEqual({ events })
    events[731] = { ...event(731), body: { ...event(731).body, quantity: 1.5 } }
    events[900] = { event_type: "track", body: { event: "api-call" } }
    const refused = Effect.runSync(Effect.flip(Capability.decodeInput(batch, { events })))
    const paths = refused.fields?.map((field) => field.path)
    expect(paths).toContain("events.731.body.quantity")
    expect(paths).toEqual(expect.arrayContaining(["events.900.body.company", "events.900.body.user"]))
  })
})
