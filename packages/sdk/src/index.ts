/**
 * The Schematic capability as plain Promises: `createCapability({ sandbox: true })` or
 * `createCapability({ apiKey })`, then one method per operation.
 *
 * @since 0.1.0
 */

export type { ErrorCode, FieldIssue } from "@schematic-capability/capability-core/CapabilityError"
export { CapabilityError } from "@schematic-capability/capability-core/CapabilityError"
export type { Input, OperationName, Output } from "@schematic-capability/capability-core/Operations"
export {
  type CamelCase,
  type CapabilityOptions,
  createCapability,
  type EmbeddedCapability,
  type LogLevel,
  type Methods,
  type SandboxOptions,
  type SchematicOptions
} from "./EmbeddedCapability.js"
