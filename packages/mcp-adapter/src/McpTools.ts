/**
 * MCP tool definitions derived from the operation registry: name, title, description, input and output
 * JSON Schema (plain objects, no `$ref`), and all four annotations set explicitly from the hints.
 *
 * @since 0.1.0
 */
import { JsonSchemas, Operation } from "@schematic-capability/capability-core"
import { leanSchema } from "./internal/leanSchema.js"

export interface ToolDefinition {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly inputSchema: { readonly type: "object"; readonly [key: string]: unknown }
  readonly outputSchema: { readonly type: "object"; readonly [key: string]: unknown }
  readonly annotations: {
    readonly title: string
    readonly readOnlyHint: boolean
    readonly destructiveHint: boolean
    readonly idempotentHint: boolean
    readonly openWorldHint: boolean
  }
}

const objectSchema = (operation: Operation.Operation, schema: JsonSchemas.JsonSchemaObject, which: string) => {
  if (schema.type !== "object" || "$ref" in schema) {
    throw new Error(`${operation.name}: the ${which} schema must be a plain object schema`)
  }
  return schema as ToolDefinition["inputSchema"]
}

export const definition = (operation: Operation.Operation): ToolDefinition => {
  const title = operation.mcp?.title ?? operation.title
  return {
    name: Operation.toolName(operation),
    title,
    description: operation.mcp?.description ?? operation.description,
    inputSchema: objectSchema(
      operation,
      leanSchema(JsonSchemas.of(operation.mcp?.input ?? operation.input)) as JsonSchemas.JsonSchemaObject,
      "input"
    ),
    outputSchema: objectSchema(operation, JsonSchemas.of(operation.output), "output"),
    annotations: {
      title,
      readOnlyHint: operation.hints.readOnly,
      destructiveHint: operation.hints.destructive,
      idempotentHint: operation.hints.idempotent,
      openWorldHint: operation.hints.openWorld
    }
  }
}
