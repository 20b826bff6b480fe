/**
 * @since 0.1.0
 */
export * as JsonSchemas from "./JsonSchemas.js"
export * as SchemaCheck from "./SchemaCheck.js"
export * as SizeCheck from "./SizeCheck.js"
