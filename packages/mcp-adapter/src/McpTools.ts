/**
 * MCP tool definitions derived from the operation registry: name, title, description, the input's JSON Schema (a
 * plain object, no `$ref`, lean: see `internal/leanSchema`), and the hints as annotations.
 * No output schema: results are compact JSON an agent reads as it comes, and every tool's definition is paid for in
 * every conversation's context, where output schemas would more than double it.
 *
 * @since 0.1.0
 */
import { JsonSchemas, Operation } from "@schematic-capability/capability-core"
import { leanInput } from "./internal/leanSchema.js"

export interface ToolDefinition {
  readonly name: string
  readonly title: string
  readonly description: string
  readonly inputSchema: { readonly type: "object"; readonly [key: string]: unknown }
  readonly annotations: {
    readonly readOnlyHint?: boolean
    readonly destructiveHint?: boolean
    readonly idempotentHint?: boolean
    readonly openWorldHint?: boolean
  }
}

const objectSchema = (operation: Operation.Operation, schema: JsonSchemas.JsonSchemaObject, which: string) => {
  if (schema.type !== "object" || "$ref" in schema) {
    throw new Error(`${operation.name}: the ${which} schema must be a plain object schema`)
  }
  return schema as ToolDefinition["inputSchema"]
}

/**
 * The hints as MCP annotations, each one given where it differs from what MCP takes when it is left out (not
 * read-only, destructive, not idempotent, open world): the same meaning, in fewer of an agent's tokens. Whether a
 * read-only tool destroys or repeats safely means nothing, so a read-only tool says only that.
 */
const annotationsOf = (hints: Operation.Hints): ToolDefinition["annotations"] =>
  hints.readOnly
    ? { readOnlyHint: true, ...(hints.openWorld ? {} : { openWorldHint: false }) }
    : {
        ...(hints.destructive ? {} : { destructiveHint: false }),
        ...(hints.idempotent ? { idempotentHint: true } : {}),
        ...(hints.openWorld ? {} : { openWorldHint: false })
      }

export const definition = (operation: Operation.Operation): ToolDefinition => {
  const title = operation.mcp?.title ?? operation.title
  return {
    name: Operation.toolName(operation),
    title,
    description: operation.mcp?.description ?? operation.description,
    inputSchema: objectSchema(
      operation,
      leanInput(JsonSchemas.of(operation.mcp?.input ?? operation.input)) as JsonSchemas.JsonSchemaObject,
      "input"
    ),
    annotations: annotationsOf(operation.hints)
  }
}
