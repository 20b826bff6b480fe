/**
 * @since 0.1.0
 */
export * as McpHttp from "./McpHttp.js"
export * as McpPrompts from "./McpPrompts.js"
export * as McpServer from "./McpServer.js"
export * as McpStdio from "./McpStdio.js"
export * as McpTools from "./McpTools.js"
