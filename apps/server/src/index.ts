/** The server's building blocks, for tests and for hosts that compose their own. */
export * as ServerConfig from "./ServerConfig.js"
export * as Upstream from "./Upstream.js"
