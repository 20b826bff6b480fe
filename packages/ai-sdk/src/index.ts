/**
 * @since 0.1.0
 */
export * as SchematicTools from "./SchematicTools.js"
export { schematicInstructions, schematicTools } from "./SchematicTools.js"
export { ToolCallError } from "./ToolCallError.js"
