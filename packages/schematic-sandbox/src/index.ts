/**
 * @since 0.1.0
 */
export * as SandboxConfig from "./SandboxConfig.js"
export * as SandboxSeed from "./SandboxSeed.js"
export * as SandboxStore from "./SandboxStore.js"
export * as SchematicSandbox from "./SchematicSandbox.js"
