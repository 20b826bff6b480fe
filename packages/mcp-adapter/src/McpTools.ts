/**
 * MCP tool definitions derived from the operation registry: name, title, description, the input's lean JSON Schema
 * and the hints as annotations. They are declared once for every agent protocol in capability-core's `Tools`; this
 * module names them as MCP lists them.
 *
 * @since 0.1.0
 */
import { Tools } from "@schematic-capability/capability-core"

export type ToolDefinition = Tools.Definition

export const definition: (operation: Tools.AnyOperation) => ToolDefinition = Tools.definition
