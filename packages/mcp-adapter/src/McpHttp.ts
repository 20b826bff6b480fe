/**
 * MCP over Streamable HTTP at /mcp: stateless (a fresh server and transport per request), JSON responses, and an
 * Origin / Host allow-list against DNS rebinding.
 *
 * One pipeline whatever the host (`serve`): the path, admission (Host, Origin, method, caller and budget), the body
 * within its limit and JSON read as REST reads it, then a plain `tools/call` answered directly (see
 * `internal/directCall`) and everything else through the SDK's web-standard transport. A request that dies is logged
 * and answered 500. `listener` serves it on node:http, `httpApp` and `layer` on an Effect `HttpServer`, `webHandler`
 * and `toWebHandler` as a web-standard `(request: Request) => Promise<Response>`.
 *
 * @since 0.1.0
 */
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpServer, type HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js"
import {
  Authenticator,
  CallerRateLimit,
  CapabilityError,
  type Operation,
  type Operations
} from "@schematic-capability/capability-core"
import { HttpExchange, RequestLog } from "@schematic-capability/http-exchange"
import { Cause, Effect, Either, Layer, LogLevel, Runtime } from "effect"
import { directCall } from "./internal/directCall.js"
import { invalidParams } from "./internal/invalidParams.js"
import * as McpServer from "./McpServer.js"

export interface Options<Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>
  extends McpServer.Options<Op> {
  /** Who may call what; by default everyone may call everything (a server without tokens). */
  readonly authenticator?: Authenticator.AuthenticatorShape | undefined
  /** Requests a second per authenticated caller (past it: 429 with Retry-After); none by default. */
  readonly callerRateLimit?: CallerRateLimit.CallerRateLimit | undefined
  /** Host header values (host or host:port) allowed to reach /mcp; default: loopback names on the server's port. */
  readonly allowedHosts?: ReadonlyArray<string> | undefined
  /** Origins (scheme://host:port) allowed when a request carries one; default: loopback origins on that port. */
  readonly allowedOrigins?: ReadonlyArray<string> | undefined
  readonly path?: `/${string}` | undefined
  /** Largest request body (1 MiB by default); past it, 413. */
  readonly maxBodyBytes?: number | undefined
  /**
   * Whether a plain tools/call is answered without the SDK's transport (see `internal/directCall`); on by default.
   * Off, every request goes through the SDK, which is what the differential test compares the direct answers with.
   */
  readonly directToolCalls?: boolean | undefined
}

/** Bodies larger than this are refused (413) before they are read; MCP requests here are small. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024

/** The default allow-lists for a server bound to `host:port`: loopback names on that port. */
export const loopbackAllowList = (port: number) => {
  const names = ["127.0.0.1", "localhost", "[::1]"]
  return {
    allowedHosts: names.flatMap((name) => [name, `${name}:${port}`]),
    allowedOrigins: names.flatMap((name) => [`http://${name}:${port}`, `https://${name}:${port}`])
  }
}

/** Who may come in, decided before any MCP is spoken. */
interface Gate {
  readonly hosts: ReadonlySet<string>
  readonly origins: ReadonlySet<string>
}

const gateFor = (options: Options<McpServer.AnyOperation>, port: number): Gate => {
  const defaults = loopbackAllowList(port)
  return {
    hosts: new Set((options.allowedHosts ?? defaults.allowedHosts).map((host) => host.toLowerCase())),
    origins: new Set((options.allowedOrigins ?? defaults.allowedOrigins).map((origin) => origin.toLowerCase()))
  }
}

/** A failure outside any tool call: its HTTP status and a JSON-RPC error, both from the error table. */
const protocolError = (error: CapabilityError.CapabilityError): HttpExchange.Response =>
  HttpExchange.json(
    { jsonrpc: "2.0", error: { code: CapabilityError.table[error.code].jsonRpc, message: error.message }, id: null },
    error.status,
    {
      ...(error.code === "method_not_allowed" ? { allow: "POST" } : {}),
      ...HttpExchange.errorHeaders(error)
    }
  )

/**
 * The web Request the SDK's transport reads: method, URL and headers; the body it is given already parsed, so it is
 * read once, by the same reader as REST's.
 */
const webRequest = (request: HttpExchange.Request): Request => {
  const headers = new Headers()
  for (const [name, value] of Object.entries(request.headers)) {
    if (typeof value === "string") headers.set(name, value)
    else if (value !== undefined) for (const item of value) headers.append(name, item)
  }
  return new Request(`http://${HttpExchange.header(request, "host") ?? "localhost"}${request.url}`, {
    method: request.method,
    headers
  })
}

/**
 * One request spoken to a fresh server on a fresh transport (stateless: any replica can answer any request). With
 * JSON responses, the answer to a POST is a whole JSON body, never a stream.
 */
const speak = async <R>(
  runtime: Runtime.Runtime<R>,
  tools: McpServer.Registry,
  options: McpServer.Options<McpServer.AnyOperation>,
  principal: Authenticator.Principal,
  request: HttpExchange.Request,
  parsedBody: unknown
): Promise<HttpExchange.Response> => {
  const server = McpServer.make(runtime, tools, options, principal)
  // No sessionIdGenerator: stateless.
  const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true })
  await server.connect(transport)
  try {
    const response = await transport.handleRequest(webRequest(request), { parsedBody })
    const body = response.body === null ? "" : await response.text()
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (name !== "content-type") headers[name] = value
    })
    return {
      status: response.status,
      contentType: response.headers.get("content-type") ?? HttpExchange.JSON_TYPE,
      headers,
      body
    }
  } finally {
    void server.close()
  }
}

/** MCP on the runtime it is built in, which provides the operations' services and the loggers. */
export const serve = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<HttpExchange.Serve, never, Operation.Requirements<Op>> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<Operation.Requirements<Op>>()
    const log = RequestLog.make(runtime)
    const tools = McpServer.registry(options.operations, options.toolsets)
    const path = options.path ?? "/mcp"
    const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES
    const direct = options.directToolCalls ?? true
    const authenticator = options.authenticator ?? Authenticator.open
    const limit = options.callerRateLimit ?? CallerRateLimit.unlimited
    // Without explicit allow-lists, the loopback names on the port each request came in on are allowed.
    const gates = new Map<number, Gate>()
    const gateOn = (port: number) => {
      let gate = gates.get(port)
      if (gate === undefined) {
        gate = gateFor(options, port)
        gates.set(port, gate)
      }
      return gate
    }

    /** The Host and Origin allow-lists (DNS rebinding), the method, then the caller and its budget. */
    const admit = (
      request: HttpExchange.Request
    ): Either.Either<Authenticator.Principal, CapabilityError.CapabilityError> => {
      const gate = gateOn(request.localPort ?? 0)
      const host = HttpExchange.header(request, "host")?.toLowerCase()
      if (host === undefined || !gate.hosts.has(host)) {
        return Either.left(new CapabilityError.CapabilityError({ code: "forbidden", message: "Host not allowed" }))
      }
      const origin = HttpExchange.header(request, "origin")?.toLowerCase()
      if (origin !== undefined && !gate.origins.has(origin)) {
        return Either.left(new CapabilityError.CapabilityError({ code: "forbidden", message: "Origin not allowed" }))
      }
      if (request.method !== "POST") {
        return Either.left(
          new CapabilityError.CapabilityError({
            code: "method_not_allowed",
            message: "Method not allowed: this server is stateless, use POST"
          })
        )
      }
      // Scopes are checked per tool; here only who the caller is and its budget.
      const admission = Authenticator.admit(authenticator, HttpExchange.header(request, "authorization"), { limit })
      return admission._tag === "Admitted" ? Either.right(admission.principal) : Either.left(admission.error)
    }

    const answer = async (
      request: HttpExchange.Request,
      body: unknown,
      principal: Authenticator.Principal
    ): Promise<HttpExchange.Response> => {
      const call = direct ? directCall(request.headers, body) : undefined
      if (call === undefined) {
        const refused = invalidParams(body)
        if (refused !== undefined) return HttpExchange.json(refused, 200)
        return speak(runtime, tools, options, principal, request, body)
      }
      const result = await McpServer.answerCall(runtime, tools, principal, call.name, call.arguments, {
        observe: options.observe,
        traceparent: HttpExchange.header(request, "traceparent")
      })
      // The SDK's answer to the same call, field for field.
      return HttpExchange.json({ result, jsonrpc: "2.0", id: call.id }, 200)
    }

    return (request, respond) => {
      if (HttpExchange.pathOf(request) !== path) {
        return respond(protocolError(new CapabilityError.CapabilityError({ code: "not_found", message: "Not found" })))
      }
      const principal = admit(request)
      if (Either.isLeft(principal)) return respond(protocolError(principal.left))
      HttpExchange.readJson(request, maxBytes, (body) => {
        if (Either.isLeft(body)) return respond(protocolError(body.left))
        answer(request, body.right, principal.right).then(respond, (defect) => {
          log(LogLevel.Error, "MCP request died", { path }, Cause.die(defect))
          respond(protocolError(new CapabilityError.CapabilityError({ code: "internal", message: "Internal error" })))
        })
      })
    }
  })

/** MCP as a Node `http` request listener, running each request on the runtime it is built in. */
export const listener = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<(request: IncomingMessage, response: ServerResponse) => void, never, Operation.Requirements<Op>> =>
  Effect.map(serve(options), HttpExchange.listener)

/** MCP as an Effect HTTP app for the `HttpServer` in context (whose port the default allow-lists name). */
export const httpApp = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<
  Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>,
  never,
  HttpServer.HttpServer | Operation.Requirements<Op>
> =>
  Effect.gen(function* () {
    const address = (yield* HttpServer.HttpServer).address
    const localPort = address._tag === "TcpAddress" ? address.port : undefined
    return HttpExchange.httpApp(yield* serve(options), { localPort })
  })

/** Serves MCP on the `HttpServer` in context for as long as the layer lives; other paths answer 404. */
export const layer = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Layer.Layer<never, never, HttpServer.HttpServer | Operation.Requirements<Op>> =>
  Layer.unwrapEffect(Effect.map(httpApp(options), (app) => HttpServer.serve(app, (self) => self)))

/**
 * MCP as a web-standard handler, `(request: Request) => Promise<Response>`, running each request on the runtime it is
 * built in: the same pipeline as `listener` (stateless, POST only, JSON answers). Without `allowedHosts` /
 * `allowedOrigins`, the loopback names on the port of the request's URL are allowed (the port its scheme implies when
 * the URL names none): a server reached under any other name must list it.
 */
export const webHandler = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<(request: Request) => Promise<Response>, never, Operation.Requirements<Op>> =>
  Effect.map(serve(options), HttpExchange.webHandler)

/** MCP as a web-standard handler on `runtime`, which must provide the operations' services. */
export const toWebHandler = <Op extends McpServer.AnyOperation = (typeof Operations.all)[number]>(
  runtime: Runtime.Runtime<Operation.Requirements<Op>>,
  options: Options<Op> = {}
): ((request: Request) => Promise<Response>) => Runtime.runSync(runtime)(webHandler(options))
