/**
 * MCP over Streamable HTTP at /mcp: stateless (a fresh server and transport per request), JSON responses,
 * and an Origin / Host allow-list against DNS rebinding.
 *
 * @since 0.1.0
 */

import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import { Authenticator, CallerRateLimit, RequestBody } from "@schematic-capability/capability-core"
import { Effect, Either, Layer, type Runtime } from "effect"
import { directCall } from "./internal/directCall.js"
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

/** Who may come in, decided before any MCP is spoken. */
interface Gate {
  readonly hosts: ReadonlySet<string>
  readonly origins: ReadonlySet<string>
  readonly authenticator: Authenticator.AuthenticatorShape
  readonly callerLimit: CallerRateLimit.CallerRateLimit
}

type Admission =
  | { readonly _tag: "Admitted"; readonly principal: Authenticator.Principal }
  | {
      readonly _tag: "Refused"
      readonly status: number
      readonly message: string
      readonly headers: Readonly<Record<string, string>>
    }

const refused = (status: number, message: string, headers: Record<string, string> = {}): Admission => ({
  _tag: "Refused",
  status,
  message,
  headers
})

/** The Host and Origin allow-lists (DNS rebinding), the method, then the caller and its budget. */
const admit = (
  gate: Gate,
  method: string,
  headers: {
    readonly host?: string | undefined
    readonly origin?: string | undefined
    readonly authorization?: string | undefined
  }
): Admission => {
  const host = headers.host?.toLowerCase()
  if (host === undefined || !gate.hosts.has(host)) return refused(403, "Host not allowed")
  const origin = headers.origin?.toLowerCase()
  if (origin !== undefined && !gate.origins.has(origin)) return refused(403, "Origin not allowed")
  if (method !== "POST")
    return refused(405, "Method not allowed: this server is stateless, use POST", { allow: "POST" })
  // Scopes are checked per tool by the server; here only who the caller is and its budget.
  const admission = Authenticator.admit(gate.authenticator, headers.authorization, { limit: gate.callerLimit })
  if (admission._tag === "Admitted") return { _tag: "Admitted", principal: admission.principal }
  const { error } = admission
  return refused(error.status, error.message, {
    ...(error.challenge === undefined ? {} : { "www-authenticate": error.challenge }),
    ...(error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) })
  })
}

const jsonRpcErrorBody = (message: string, code = -32000) =>
  JSON.stringify({ jsonrpc: "2.0", error: { code, message }, id: null })

const jsonRpcError = (status: number, message: string) =>
  HttpServerResponse.text(jsonRpcErrorBody(message), { status, contentType: "application/json" })

/** The default allow-lists for a server bound to `host:port`: loopback names on that port. */
export const loopbackAllowList = (port: number) => {
  const names = ["127.0.0.1", "localhost", "[::1]"]
  return {
    allowedHosts: names.flatMap((name) => [name, `${name}:${port}`]),
    allowedOrigins: names.flatMap((name) => [`http://${name}:${port}`, `https://${name}:${port}`])
  }
}

const gateFor = (options: Options, port: number): Gate => {
  const defaults = loopbackAllowList(port)
  return {
    hosts: new Set((options.allowedHosts ?? defaults.allowedHosts).map((host) => host.toLowerCase())),
    origins: new Set((options.allowedOrigins ?? defaults.allowedOrigins).map((origin) => origin.toLowerCase())),
    authenticator: options.authenticator ?? Authenticator.open,
    callerLimit: options.callerRateLimit ?? CallerRateLimit.unlimited
  }
}

/**
 * One request spoken to a fresh server on a fresh transport (stateless: any replica can answer any request). With
 * JSON responses, the answer to a POST is a whole JSON body, never a stream.
 */
const speak = async <R>(
  runtime: Runtime.Runtime<R>,
  tools: ReturnType<typeof McpServer.registry>,
  options: Options,
  principal: Authenticator.Principal,
  request: Request,
  parsedBody?: unknown
): Promise<Response> => {
  const server = McpServer.make(runtime, tools, options, principal)
  // No sessionIdGenerator: stateless.
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
  await server.connect(transport)
  try {
    return await transport.handleRequest(request, parsedBody === undefined ? undefined : { parsedBody })
  } finally {
    void server.close()
  }
}

/** The /mcp handler. Without explicit allow-lists it needs the HttpServer it will run on, for its port. */
export const make = <R>(options: Options) =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<R>()
    const tools = McpServer.registry(options.operations)
    let port = 0
    if (options.allowedHosts === undefined || options.allowedOrigins === undefined) {
      const address = (yield* HttpServer.HttpServer).address
      port = address._tag === "TcpAddress" ? address.port : 0
    }
    const gate = gateFor(options, port)
    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const { host, origin, authorization } = request.headers
      const admission = admit(gate, request.method, { host, origin, authorization })
      if (admission._tag === "Refused") {
        return jsonRpcError(admission.status, admission.message).pipe(HttpServerResponse.setHeaders(admission.headers))
      }
      const web = yield* HttpServerRequest.toWeb(request)
      const response = yield* Effect.promise(() => speak(runtime, tools, options, admission.principal, web))
      return HttpServerResponse.fromWeb(response)
    })
  })

/** Bodies larger than this are refused (413) before they are read; MCP requests here are small. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/**
 * The web Request the SDK's transport reads: method, URL and headers; the body it is given already parsed. (The
 * SDK's Node transport converts through a web Response whose body it then streams to the socket, which took
 * half a millisecond a call; a JSON answer read whole and written at once takes a fraction of that.)
 */
const webRequest = (incoming: IncomingMessage): Request => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (typeof value === "string") headers.set(name, value)
    else if (value !== undefined) for (const item of value) headers.append(name, item)
  }
  return new Request(`http://${incoming.headers.host ?? "localhost"}${incoming.url ?? "/"}`, {
    method: incoming.method ?? "POST",
    headers
  })
}

/**
 * /mcp as a `node:http` request listener: admission and the body are read here, then the parsed body goes to the
 * SDK's web-standard transport and its JSON answer is written back whole. Without explicit allow-lists, the
 * loopback names on the port each request came in on are allowed.
 */
export const listener = <R>(
  options: Options & {
    readonly maxBodyBytes?: number | undefined
    /**
     * Whether a plain tools/call is answered without the SDK's transport (see `internal/directCall`); on by default.
     * Off, every request goes through the SDK.
     */
    readonly directToolCalls?: boolean | undefined
  }
): Effect.Effect<(request: IncomingMessage, response: ServerResponse) => void, never, R> =>
  Effect.gen(function* () {
    const direct = options.directToolCalls ?? true
    const runtime = yield* Effect.runtime<R>()
    const tools = McpServer.registry(options.operations)
    const path = options.path ?? "/mcp"
    const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    const gates = new Map<number, Gate>()
    const gateOn = (port: number) => {
      let gate = gates.get(port)
      if (gate === undefined) {
        gate = gateFor(options, port)
        gates.set(port, gate)
      }
      return gate
    }
    const answerError = (
      incoming: IncomingMessage,
      outgoing: ServerResponse,
      status: number,
      message: string,
      headers: Readonly<Record<string, string>> = {},
      code?: number
    ) => {
      const body = jsonRpcErrorBody(message, code)
      outgoing.writeHead(status, {
        ...headers,
        "content-type": "application/json",
        "content-length": Buffer.byteLength(body),
        // A body left unread must not be taken for the next request on this connection.
        ...(incoming.complete ? {} : { connection: "close" })
      })
      outgoing.end(body)
    }
    const answer = async (
      incoming: IncomingMessage,
      outgoing: ServerResponse,
      text: string,
      principal: Authenticator.Principal
    ) => {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        return answerError(incoming, outgoing, 400, "Parse error: Invalid JSON", {}, -32700)
      }
      try {
        const call = direct ? directCall(incoming.headers, parsed) : undefined
        if (call !== undefined) {
          const result = await McpServer.answerCall(runtime, tools, principal, call.name, call.arguments)
          // The SDK's answer to the same call, field for field.
          const body = JSON.stringify({ result, jsonrpc: "2.0", id: call.id })
          outgoing.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) })
          outgoing.end(body)
          return
        }
        const response = await speak(runtime, tools, options, principal, webRequest(incoming), parsed)
        const body = response.body === null ? "" : await response.text()
        const headers: Record<string, string | number> = { "content-length": Buffer.byteLength(body) }
        response.headers.forEach((value, name) => {
          headers[name] = value
        })
        outgoing.writeHead(response.status, headers).end(body)
      } catch {
        if (!outgoing.headersSent) answerError(incoming, outgoing, 500, "Internal error", {}, -32603)
      }
    }
    return (incoming, outgoing) => {
      if ((incoming.url ?? "/").split("?")[0] !== path) return answerError(incoming, outgoing, 404, "Not found")
      const admission = admit(gateOn(incoming.socket.localPort ?? 0), incoming.method ?? "GET", incoming.headers)
      if (admission._tag === "Refused") {
        return answerError(incoming, outgoing, admission.status, admission.message, admission.headers)
      }
      RequestBody.fromNode(incoming)(maxBytes, (body) => {
        if (Either.isRight(body)) return void answer(incoming, outgoing, body.right, admission.principal)
        if (body.left === "too_large") {
          return answerError(incoming, outgoing, 413, `The body is larger than ${maxBytes} bytes`)
        }
        outgoing.destroy()
      })
    }
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
