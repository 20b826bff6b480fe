/**
 * A refused input is decoded again to name its issues, and for an array of a thousand bad items Effect Schema walks
 * and describes each one, though an answer names only the first few (`CapabilityError.MAX_FIELD_ISSUES`). The compiled
 * check tells the bad items from the good in a fraction of that time, so only the first bad items need decoding.
 */
import { SchemaCheck } from "@schematic-capability/schema-check"
import { Schema, SchemaAST } from "effect"

/** An input reduced to the first bad items of its arrays, and how to read its issues' paths as the original's. */
export interface Reduced {
  readonly raw: Readonly<Record<string, unknown>>
  /** The original path of an issue of the reduced input (`events.3` of the reduced input is `events.812`). */
  readonly pathOf: (path: string) => string
  /** Bad items left out, each with at least one issue of its own. */
  readonly leftOut: number
}

interface ArrayField {
  readonly name: string
  readonly accept: (item: unknown) => boolean
}

const arrayFields = new WeakMap<object, ReadonlyArray<ArrayField>>()

/** The input's top-level array fields whose items the compiled check can judge. */
// biome-ignore lint/suspicious/noExplicitAny: any input schema
const fieldsOf = (schema: Schema.Schema<any, any, any>): ReadonlyArray<ArrayField> => {
  let fields = arrayFields.get(schema)
  if (fields === undefined) {
    const encoded = SchemaAST.encodedAST(schema.ast)
    fields = SchemaAST.isTypeLiteral(encoded)
      ? encoded.propertySignatures.flatMap((property) => {
          // An optional field is its type or undefined.
          const type = SchemaAST.isUnion(property.type)
            ? property.type.types.find((member) => !SchemaAST.isUndefinedKeyword(member))
            : property.type
          if (type === undefined || !SchemaAST.isTupleType(type) || type.elements.length > 0) return []
          if (type.rest.length !== 1 || typeof property.name !== "string") return []
          const accept = SchemaCheck.acceptorOf(Schema.make(type.rest[0]!.type))
          return accept === undefined ? [] : [{ name: property.name, accept }]
        })
      : []
    arrayFields.set(schema, fields)
  }
  return fields
}

/**
 * `raw` with each array field holding only its first `keep` items that the compiled check refuses, or undefined when
 * no array holds more than that (decoding it whole costs little). An item the check refuses may still be valid (the
 * check's no decides nothing), so a reduced input that decodes says nothing: decode the original then.
 */
export const firstBadItems = (
  // biome-ignore lint/suspicious/noExplicitAny: any input schema
  schema: Schema.Schema<any, any, any>,
  raw: unknown,
  keep: number
): Reduced | undefined => {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return undefined
  const input = raw as Readonly<Record<string, unknown>>
  const positions = new Map<string, ReadonlyArray<number>>()
  let reduced: Record<string, unknown> | undefined
  let leftOut = 0
  for (const field of fieldsOf(schema)) {
    const items = input[field.name]
    if (!Array.isArray(items) || items.length <= keep) continue
    const bad: Array<number> = []
    for (let index = 0; index < items.length; index++) if (!field.accept(items[index])) bad.push(index)
    if (bad.length <= keep) continue
    reduced ??= { ...input }
    reduced[field.name] = bad.slice(0, keep).map((index) => items[index])
    positions.set(field.name, bad.slice(0, keep))
    leftOut += bad.length - keep
  }
  if (reduced === undefined) return undefined
  return {
    raw: reduced,
    leftOut,
    pathOf: (path) => {
      const [name, position, ...rest] = path.split(".")
      const original = positions.get(name!)?.[Number(position)]
      return original === undefined ? path : [name, original, ...rest].join(".")
    }
  }
}
