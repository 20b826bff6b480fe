/**
 * @since 0.1.0
 */
export * as HttpExchange from "./HttpExchange.js"
export * as RequestLog from "./RequestLog.js"
