/**
 * @since 0.1.0
 */
export * as HttpExchange from "./HttpExchange.js"
export * as PackageVersion from "./PackageVersion.js"
export * as RequestLog from "./RequestLog.js"
