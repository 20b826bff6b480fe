/**
 * The Schematic capability as plain Promises: `createCapability({ sandbox: true })` or
 * `createCapability({ apiKey })`, then one method per operation.
 *
 * @since 0.1.0
 */
export { CapabilityError } from "@schematic-capability/capability-core/CapabilityError"
export type { ErrorCode, FieldIssue } from "@schematic-capability/capability-core/CapabilityError"
export type { Input, OperationName, Output } from "@schematic-capability/capability-core/Operations"
export {
  type CapabilityOptions,
  type CamelCase,
  type EmbeddedCapability,
  type LogLevel,
  type Methods,
  type SandboxOptions,
  type SchematicOptions,
  createCapability
} from "./EmbeddedCapability.js"
