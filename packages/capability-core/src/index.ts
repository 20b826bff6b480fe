/**
 * @since 0.1.0
 */

/** Effect schemas as plain JSON Schema: re-exported from `@schematic-capability/schema-check`, where it now lives. */
export { JsonSchemas } from "@schematic-capability/schema-check"
export * as Authenticator from "./Authenticator.js"
export * as Callback from "./Callback.js"
export * as CallerRateLimit from "./CallerRateLimit.js"
export * as Capability from "./Capability.js"
export * as CapabilityError from "./CapabilityError.js"
export * as EventSink from "./EventSink.js"
export * as IdempotentWrites from "./IdempotentWrites.js"
export * as Operation from "./Operation.js"
export * as Operations from "./Operations.js"
export * as RequestObserver from "./RequestObserver.js"
export * as RequestTrace from "./RequestTrace.js"
export * as Tools from "./Tools.js"
export * as Views from "./Views.js"
