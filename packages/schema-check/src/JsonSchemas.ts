/**
 * Effect schemas as plain JSON Schema (2020-12): every `$ref` inlined and no `$schema`, so the root of an
 * operation's input is always `{type: "object", ...}` as MCP clients and OpenAPI tools expect.
 *
 * @since 0.1.0
 */
import { JSONSchema, type Schema, SchemaAST } from "effect"

export type JsonSchemaObject = { readonly [key: string]: unknown }

const inline = (node: unknown, definitions: Record<string, unknown>, seen: ReadonlyArray<string>): unknown => {
  if (Array.isArray(node)) return node.map((item) => inline(item, definitions, seen))
  if (typeof node !== "object" || node === null) return node
  const record = node as Record<string, unknown>
  const ref = record.$ref
  if (typeof ref === "string" && ref.startsWith("#/$defs/")) {
    const name = ref.slice("#/$defs/".length)
    if (seen.includes(name)) throw new Error(`recursive schema ${name} cannot be inlined`)
    const { $ref: _, ...rest } = record
    const target = inline(definitions[name], definitions, [...seen, name]) as Record<string, unknown>
    return { ...target, ...(inline(rest, definitions, seen) as Record<string, unknown>) }
  }
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(record)) {
    // Generated titles ("between(1, 250)") say less than the descriptions next to them.
    if (key === "$defs" || key === "$schema" || key === "$id" || (key === "title" && typeof value === "string"))
      continue
    out[key] = inline(value, definitions, seen)
  }
  return out
}

// biome-ignore lint/suspicious/noExplicitAny: any schema, whatever its types
export const of = (schema: Schema.Schema<any, any, any>): JsonSchemaObject => {
  const ast = SchemaAST.encodedAST(schema.ast)
  // An empty struct would come out as "object or array"; a tool input must be a plain object.
  if (SchemaAST.isTypeLiteral(ast) && ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
    return { type: "object", properties: {}, required: [], additionalProperties: false }
  }
  const definitions: Record<string, JSONSchema.JsonSchema7> = {}
  const root = JSONSchema.fromAST(schema.ast, {
    definitions,
    target: "jsonSchema2020-12",
    topLevelReferenceStrategy: "skip"
  })
  return inline(root, definitions, []) as JsonSchemaObject
}
