/**
 * MCP over Streamable HTTP at /mcp: stateless (a fresh server and transport per request), JSON responses,
 * and an Origin / Host allow-list against DNS rebinding.
 *
 * @since 0.1.0
 */

import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import { Authenticator, CallerRateLimit } from "@schematic-capability/capability-core"
import { Effect, Layer } from "effect"
import * as McpServer from "./McpServer.js"

export interface Options extends McpServer.Options {
  /** Who may call what; by default everyone may call everything (a server without tokens). */
  readonly authenticator?: Authenticator.AuthenticatorShape | undefined
  /** Requests a second per authenticated caller (past it: 429 with Retry-After); none by default. */
  readonly callerRateLimit?: CallerRateLimit.CallerRateLimit | undefined
  /** Host header values (host or host:port) allowed to reach /mcp; default: loopback names on the server's port. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Origins (scheme://host:port) allowed when a request carries one; default: loopback origins on that port. */
  readonly allowedOrigins?: ReadonlyArray<string> | undefined
  readonly path?: `/${string}` | undefined
}

const jsonRpcError = (status: number, message: string) =>
  HttpServerResponse.unsafeJson({ jsonrpc: "2.0", error: { code: -32000, message }, id: null }, { status })

/** The default allow-lists for a server bound to `host:port`: loopback names on that port. */
export const loopbackAllowList = (port: number) => {
  const names = ["127.0.0.1", "localhost", "[::1]"]
  return {
    allowedHosts: names.flatMap((name) => [name, `${name}:${port}`]),
    allowedOrigins: names.flatMap((name) => [`http://${name}:${port}`, `https://${name}:${port}`])
  }
}

/** The /mcp handler. Without explicit allow-lists it needs the HttpServer it will run on, for its port. */
export const make = <R>(options: Options) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<R>()
    const tools = McpServer.registry(options.operations)
    const authenticator = options.authenticator ?? Authenticator.open
    const callerLimit = options.callerRateLimit ?? CallerRateLimit.unlimited
    let allowedHosts = options.allowedHosts
    let allowedOrigins = options.allowedOrigins
    if (allowedHosts === undefined || allowedOrigins === undefined) {
      const address = (yield* HttpServer.HttpServer).address
      const defaults = loopbackAllowList(address._tag === "TcpAddress" ? address.port : 0)
      allowedHosts ??= defaults.allowedHosts
      allowedOrigins ??= defaults.allowedOrigins
    }
    const hosts = new Set(allowedHosts.map((host) => host.toLowerCase()))
    const origins = new Set(allowedOrigins.map((origin) => origin.toLowerCase()))
    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const host = request.headers.host?.toLowerCase()
      if (host === undefined || !hosts.has(host)) return jsonRpcError(403, "Host not allowed")
      const origin = request.headers.origin?.toLowerCase()
      if (origin !== undefined && !origins.has(origin)) return jsonRpcError(403, "Origin not allowed")
      if (request.method !== "POST") {
        return jsonRpcError(405, "Method not allowed: this server is stateless, use POST").pipe(
          HttpServerResponse.setHeader("allow", "POST")
        )
      }
      // Scopes are checked per tool by the server; here only who the caller is and its budget.
      const admission = Authenticator.admit(authenticator, request.headers.authorization, { limit: callerLimit })
      if (admission._tag === "Refused") {
        const { error } = admission
        return jsonRpcError(error.status, error.message).pipe(
          HttpServerResponse.setHeaders({
            ...(error.challenge === undefined ? {} : { "www-authenticate": error.challenge }),
            ...(error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) })
          })
        )
      }
      const web = yield* HttpServerRequest.toWeb(request)
      const response = yield* Effect.promise(async () => {
        const server = McpServer.make(runtime, tools, options, admission.principal)
        // No sessionIdGenerator: stateless, so any replica can answer any request.
        const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
        await server.connect(transport)
        try {
          return await transport.handleRequest(web)
        } finally {
          void server.close()
        }
      })
      return HttpServerResponse.fromWeb(response)
    })
  })

/** Serves /mcp on the HttpServer in context; other paths answer 404. */
export const layer = <R>(options: Options) =>
  Layer.unwrapScoped(
    Effect.map(make<R>(options), (handler) =>
      HttpServer.serve(
        HttpRouter.empty.pipe(
          HttpRouter.all(options.path ?? "/mcp", handler),
          HttpRouter.catchAll(() => Effect.succeed(jsonRpcError(404, "Not found")))
        ),
        (self) => self
      )
    )
  )
