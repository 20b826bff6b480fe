/**
 * `Capability.execute` skips encoding an output that the compiled check of a plain output schema accepts (see
 * `SchemaCheck` of @schematic-capability/schema-check): the output must then be exactly what Effect Schema's encoding gives. Checked on
 * generated outputs, on the same outputs with a key the schema does not name (which encoding drops), and on
 * arbitrary JSON.
 */
import { describe, expect, it } from "@effect/vitest"
import { SchemaCheck } from "@schematic-capability/schema-check"
import { Arbitrary, Either, FastCheck as fc, Schema } from "effect"
import { Operations } from "../src/index.js"

const RUNS = Number(process.env.FUZZ_RUNS ?? 150)

/** Adds `extra` to one object inside `value`, at a position chosen by `pick`. */
const withExtraKey = (value: unknown, pick: number): unknown => {
  const objects: Array<Record<string, unknown>> = []
  const walk = (node: unknown) => {
    if (typeof node !== "object" || node === null) return
    if (!Array.isArray(node)) objects.push(node as Record<string, unknown>)
    for (const child of Object.values(node)) walk(child)
  }
  const copy = structuredClone(value)
  walk(copy)
  if (objects.length === 0) return copy
  objects[pick % objects.length]!.internal_note = "not part of the API"
  return copy
}

describe("an accepted output is its own encoding", () => {
  for (const operation of Operations.all) {
    // biome-ignore lint/suspicious/noExplicitAny: any operation's output schema
    const schema = operation.output as Schema.Schema<any, any, never>
    const accept = SchemaCheck.acceptorOf(schema)
    let accepted = 0
    const agree = (output: unknown) => {
      if (!accept?.(output)) return
      accepted++
      const encoded = Schema.encodeUnknownEither(schema)(output)
      const label = `${operation.name}: ${JSON.stringify(output)?.slice(0, 300)}`
      expect(Either.isRight(encoded), label).toBe(true)
      if (Either.isRight(encoded)) expect(encoded.right, label).toEqual(output)
    }

    it(`${operation.name}: its output schema is plain, so the fast path applies`, () => {
      expect(accept).toBeDefined()
    })

    it(`${operation.name}: generated outputs, with and without an unnamed key`, () => {
      const outputs = Arbitrary.make(schema)
      fc.assert(
        fc.property(outputs, fc.nat(), (output, pick) => {
          agree(output)
          // Wherever it lands, an accepted output with it must still be its own encoding (inside traits it is
          // data; inside a response object it must be refused, and then encoding drops it).
          agree(withExtraKey(output, pick))
          // At the top, every output is a closed object.
          expect(accept?.({ ...output, internal_note: "not part of the API" })).toBe(false)
        }),
        { numRuns: RUNS }
      )
      // The fast path was taken, so the comparison above was made.
      expect(accepted).toBeGreaterThan(RUNS / 2)
    })

    it(`${operation.name}: arbitrary JSON`, () => {
      fc.assert(fc.property(fc.jsonValue(), agree), { numRuns: RUNS })
    })
  }
})
