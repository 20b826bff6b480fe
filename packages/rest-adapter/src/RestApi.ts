/**
 * The REST API, derived from the operation registry: one route per operation binding, JSON in and out,
 * one error format, a request id on every answer, /openapi.json, /docs, /healthz and /readyz.
 *
 * The API itself is a function from a plain request to a plain response (`make`), served either straight on
 * a Node `http` server (`listener`: the fast path, no framework per request) or on an Effect `HttpServer`
 * (`layer`, for Effect hosts).
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  Authenticator,
  CallerRateLimit,
  Capability,
  CapabilityError,
  type Operation,
  Operations,
  RequestBody
} from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { Cause, Duration, Effect, Exit, Layer, Runtime, type Scope } from "effect"
import { docsPage } from "./internal/docs.js"
import { jsonBody, queryCoercer, searchParams } from "./internal/input.js"
import * as OpenApiDocument from "./OpenApiDocument.js"

export interface Options {
  readonly operations?: ReadonlyArray<Operation.Operation> | undefined
  readonly info?: OpenApiDocument.Info | undefined
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes?: number | undefined
  /** Largest body for routes that take bulk input, such as event batches (default: the route's own, 8 MiB). */
  readonly maxBulkBodyBytes?: number | undefined
  /** Who may call what; by default everyone may call everything (a server without tokens). */
  readonly authenticator?: Authenticator.AuthenticatorShape | undefined
  /** Requests a second per authenticated caller (past it: 429 with Retry-After); none by default. */
  readonly callerRateLimit?: CallerRateLimit.CallerRateLimit | undefined
  /** What /readyz checks; by default a one-row read from Schematic. */
  readonly readiness?: Effect.Effect<unknown, unknown, SchematicClient.SchematicClient> | undefined
}

/** A request as the API sees it, whatever server received it. */
export interface RestRequest {
  readonly method: string
  /** The path with its query string. */
  readonly url: string
  /** Header values by lower-case name. */
  readonly headers: Readonly<Record<string, string | ReadonlyArray<string> | undefined>>
  readonly body: RequestBody.ReadBody
}

export interface RestResponse {
  readonly status: number
  readonly contentType: string
  readonly headers: Readonly<Record<string, string>>
  readonly body: string
}

/** The whole API: every request gets an answer (failures are answers too); it needs the operations' services. */
export type Handler = (request: RestRequest) => Effect.Effect<RestResponse, never, Operations.Requirements>

const defaultInfo: OpenApiDocument.Info = {
  title: "Schematic Capability",
  version: "0.1.0",
  description:
    "Customer companies and users, usage events and insights over Schematic. Errors always have the shape " +
    "{error: {code, message, fields?, request_id}}."
}

const REQUEST_ID = /^[\w.:@/-]{1,128}$/

const JSON_TYPE = "application/json"

const json = (body: unknown, status: number, headers: Record<string, string> = {}): RestResponse => ({
  status,
  contentType: JSON_TYPE,
  headers,
  body: JSON.stringify(body)
})

const header = (request: RestRequest, name: string) => {
  const value = request.headers[name]
  return typeof value === "string" ? value : value?.[0]
}

export const errorResponse = (error: CapabilityError.CapabilityError, requestId: string) =>
  json(
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.fields === undefined ? {} : { fields: error.fields }),
        request_id: requestId
      }
    },
    error.status,
    {
      ...(error.challenge === undefined ? {} : { "www-authenticate": error.challenge }),
      ...(error.retryAfterSeconds === undefined ? {} : { "retry-after": String(error.retryAfterSeconds) })
    }
  )

/** Lets the request through when the caller's token holds `scope` and is within its budget. */
const authorize = (
  authenticator: Authenticator.AuthenticatorShape,
  request: RestRequest,
  scope: Operation.Scope,
  limit: CallerRateLimit.CallerRateLimit = CallerRateLimit.unlimited
): Effect.Effect<void, CapabilityError.CapabilityError> => {
  const admission = Authenticator.admit(authenticator, header(request, "authorization"), { scope, limit })
  return admission._tag === "Refused" ? Effect.fail(admission.error) : Effect.void
}

type Route = (request: RestRequest) => Effect.Effect<RestResponse, unknown, Operations.Requirements>

/** Builds the API; the scope holds the docs page. */
export const make = (options: Options = {}): Effect.Effect<Handler, never, Scope.Scope> =>
  Effect.gen(function* () {
    const operations = options.operations ?? Operations.all
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    const document = OpenApiDocument.make(operations, options.info ?? defaultInfo)
    const docs: RestResponse = {
      status: 200,
      contentType: "text/html; charset=utf-8",
      headers: {},
      body: yield* docsPage(document, "/docs")
    }
    const readiness =
      options.readiness ??
      Effect.flatMap(SchematicClient.SchematicClient, (client) => client.features.list({ limit: 1 }))

    const authenticator = options.authenticator ?? Authenticator.open
    const callerLimit = options.callerRateLimit ?? CallerRateLimit.unlimited
    const routeFor = (operation: Operation.Operation): Route => {
      const coerce = queryCoercer(operation)
      const maxBytes =
        operation.rest.maxBodyBytes === undefined
          ? maxBodyBytes
          : (options.maxBulkBodyBytes ?? operation.rest.maxBodyBytes)
      const input = (request: RestRequest) =>
        operation.rest.method === "GET"
          ? Effect.succeed(coerce(searchParams(request.url)))
          : jsonBody(header(request, "content-type"), header(request, "content-length"), request.body, maxBytes)
      return (request) =>
        authorize(authenticator, request, operation.scope, callerLimit).pipe(
          Effect.zipRight(input(request)),
          Effect.flatMap((raw) => Capability.decodeInput(operation, raw)),
          Effect.flatMap((decoded) => Capability.execute(operation, decoded)),
          Effect.map((output) => json(output, operation.rest.status))
        )
    }

    // Every path is fixed (no parameters), so a route is one map lookup.
    const routes = new Map<string, Route>()
    for (const operation of operations) {
      for (const path of operation.rest.paths) routes.set(`${operation.rest.method} ${path}`, routeFor(operation))
    }
    const healthy = json({ status: "ok" }, 200)
    routes.set("GET /healthz", () => Effect.succeed(healthy))
    routes.set("GET /readyz", (request) =>
      // It makes the server call Schematic with its key, so it is not for anyone who can reach the port.
      Effect.zipRight(
        authorize(authenticator, request, "read"),
        readiness.pipe(
          Effect.timeout(Duration.seconds(3)),
          Effect.as(json({ status: "ready" }, 200)),
          Effect.catchAll(() =>
            Effect.fail(
              new CapabilityError.CapabilityError({
                code: "unavailable",
                status: 503,
                message: "Schematic is not reachable with the server's key"
              })
            )
          )
        )
      )
    )
    const openapi = json(document, 200)
    routes.set("GET /openapi.json", () => Effect.succeed(openapi))
    routes.set("GET /docs", () => Effect.succeed(docs))

    return (request: RestRequest): Effect.Effect<RestResponse, never, Operations.Requirements> => {
      const given = header(request, "x-request-id")
      const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
      const started = Date.now()
      const path = request.url.split("?")[0]!
      const route = routes.get(`${request.method} ${path}`)
      const routed: Effect.Effect<RestResponse, unknown, Operations.Requirements> =
        route === undefined
          ? Effect.fail(
              new CapabilityError.CapabilityError({
                code: "not_found",
                status: 404,
                message: `No route ${request.method} ${path}`
              })
            )
          : // Suspended: nothing a request carries can throw past the error handling below.
            Effect.suspend(() => route(request))
      return routed.pipe(
        Effect.catchAll((error) =>
          error instanceof CapabilityError.CapabilityError
            ? Effect.succeed(errorResponse(error, requestId))
            : Effect.logError("request failed", error).pipe(Effect.as(internalError(requestId)))
        ),
        Effect.catchAllCause((cause) =>
          Effect.logError("request died", Cause.pretty(cause)).pipe(Effect.as(internalError(requestId)))
        ),
        Effect.tap((response) =>
          Effect.logInfo("request").pipe(
            Effect.annotateLogs({
              request_id: requestId,
              method: request.method,
              path,
              status: response.status,
              duration_ms: Date.now() - started
            })
          )
        ),
        Effect.map((response) => ({ ...response, headers: { ...response.headers, "x-request-id": requestId } }))
      )
    }
  })

const internalError = (requestId: string) =>
  errorResponse(
    new CapabilityError.CapabilityError({ code: "internal", status: 500, message: "Internal error" }),
    requestId
  )

/**
 * The API as a Node `http` request listener, running each request on the runtime it is built in (which must
 * provide the operations' services). The scope holds the docs page.
 */
export const listener = (
  options: Options = {}
): Effect.Effect<
  (request: IncomingMessage, response: ServerResponse) => void,
  never,
  Scope.Scope | Operations.Requirements
> =>
  Effect.gen(function* () {
    const handle = yield* make(options)
    const run = Runtime.runCallback(yield* Effect.runtime<Operations.Requirements>())
    return (incoming, outgoing) => {
      const request: RestRequest = {
        method: incoming.method ?? "GET",
        url: incoming.url ?? "/",
        headers: incoming.headers,
        body: RequestBody.fromNode(incoming)
      }
      run(handle(request), {
        onExit: (exit) => {
          if (outgoing.headersSent) return
          const response = Exit.isSuccess(exit) ? exit.value : internalError("unknown")
          const headers: Record<string, string | number> = {
            ...response.headers,
            "content-type": response.contentType,
            "content-length": Buffer.byteLength(response.body)
          }
          // A body left unread (too large) must not be taken for the next request on this connection.
          if (!incoming.complete) headers.connection = "close"
          try {
            outgoing.writeHead(response.status, headers).end(response.body)
          } catch {
            // Only a broken connection gets here; there is nobody left to answer.
            outgoing.destroy()
          }
        }
      })
    }
  })

/** The API as an Effect HTTP app, for hosts serving with an Effect `HttpServer`. */
export const httpApp = (
  options: Options = {}
): Effect.Effect<
  Effect.Effect<
    HttpServerResponse.HttpServerResponse,
    never,
    HttpServerRequest.HttpServerRequest | Operations.Requirements
  >,
  never,
  Scope.Scope
> =>
  Effect.map(make(options), (handle) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      handle({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: (maxBytes) =>
          request.text.pipe(
            Effect.mapError((): RequestBody.BodyFailure => "unreadable"),
            Effect.filterOrFail(
              (text) => Buffer.byteLength(text) <= maxBytes,
              (): RequestBody.BodyFailure => "too_large"
            )
          )
      }).pipe(
        Effect.map((response) =>
          HttpServerResponse.text(response.body, {
            status: response.status,
            headers: response.headers,
            contentType: response.contentType
          })
        )
      )
    )
  )

/** Serves the REST API on the Effect `HttpServer` in context for as long as the layer lives. */
export const layer = (
  options: Options = {}
): Layer.Layer<never, never, HttpServer.HttpServer | Operations.Requirements> =>
  Layer.unwrapScoped(Effect.map(httpApp(options), (app) => HttpServer.serve(app, (self) => self)))
