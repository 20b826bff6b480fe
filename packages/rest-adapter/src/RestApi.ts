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
import { Cause, Duration, Effect, Either, Exit, Layer, LogLevel, Runtime, type Scope } from "effect"
import { docsPage } from "./internal/docs.js"
import { jsonBody, queryCoercer, searchParams } from "./internal/input.js"
import * as RequestLog from "./internal/requestLog.js"
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

/** The whole API: every request gets an answer (failures are answers too). */
export type Handler = (request: RestRequest) => Effect.Effect<RestResponse>

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

/** A refusal when the caller's token lacks `scope` or is past its budget; nothing when the request may go on. */
const refusal = (
  authenticator: Authenticator.AuthenticatorShape,
  request: RestRequest,
  scope: Operation.Scope,
  limit: CallerRateLimit.CallerRateLimit = CallerRateLimit.unlimited
): CapabilityError.CapabilityError | undefined => {
  const admission = Authenticator.admit(authenticator, header(request, "authorization"), { scope, limit })
  return admission._tag === "Refused" ? admission.error : undefined
}

/**
 * What a route makes of a request: an answer at once, a refusal, or the one Effect to run for an answer (the
 * operation's handler). Everything before it (admission, body, decoding) is plain code, so a request starts at
 * most one fiber.
 */
type Outcome =
  | RestResponse
  | CapabilityError.CapabilityError
  | Effect.Effect<RestResponse, unknown, Operations.Requirements>
  /** What an operation ended with (see `Capability.executeOn`). */
  | Exit.Exit<RestResponse, unknown>

type Route = (request: RestRequest, done: (outcome: Outcome) => void) => void

const isResponse = (outcome: Outcome): outcome is RestResponse => "contentType" in outcome

/** Answers one request through `respond` (called exactly once), running handlers on `runtime`. */
export type Serve = (request: RestRequest, respond: (response: RestResponse) => void) => void

/**
 * Builds the API on a runtime that provides the operations' services (and the loggers its request lines go to).
 * The scope holds the docs page.
 */
export const serve = (options: Options = {}): Effect.Effect<Serve, never, Scope.Scope | Operations.Requirements> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<Operations.Requirements>()
    const run = Runtime.runCallback(runtime)
    const log = RequestLog.make(runtime)
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
      const respondWith = (output: unknown) => json(output, operation.rest.status)
      // The input is decoded as plain code; the operation then runs in at most one fiber (none for ingestion).
      const decoded = (raw: unknown, done: (outcome: Outcome) => void) => {
        const input = Capability.decodeInput(operation, raw)
        if (Either.isLeft(input)) return done(input.left)
        Capability.executeOn(runtime, operation, input.right, (exit) => done(Exit.map(exit, respondWith)))
      }
      return (request, done) => {
        const refused = refusal(authenticator, request, operation.scope, callerLimit)
        if (refused !== undefined) return done(refused)
        if (operation.rest.method === "GET") return decoded(coerce(searchParams(request.url)), done)
        jsonBody(header(request, "content-type"), header(request, "content-length"), request.body, maxBytes, (raw) => {
          // The body arrives in a callback of its own, where a throw would escape all error handling: it is a
          // defect, answered 500.
          try {
            Either.isLeft(raw) ? done(raw.left) : decoded(raw.right, done)
          } catch (defect) {
            done(Exit.die(defect))
          }
        })
      }
    }

    // Every path is fixed (no parameters), so a route is one map lookup.
    const routes = new Map<string, Route>()
    for (const operation of operations) {
      for (const path of operation.rest.paths) routes.set(`${operation.rest.method} ${path}`, routeFor(operation))
    }
    const fixed =
      (response: RestResponse): Route =>
      (_, done) =>
        done(response)
    routes.set("GET /healthz", fixed(json({ status: "ok" }, 200)))
    routes.set("GET /readyz", (request, done) =>
      // It makes the server call Schematic with its key, so it is not for anyone who can reach the port.
      done(
        refusal(authenticator, request, "read") ??
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
    routes.set("GET /openapi.json", fixed(json(document, 200)))
    routes.set("GET /docs", fixed(docs))

    return (request, respond) => {
      const given = header(request, "x-request-id")
      const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
      const started = Date.now()
      const path = request.url.split("?")[0]!
      let answered = false
      const answer = (response: RestResponse) => {
        if (answered) return
        answered = true
        respond({ ...response, headers: { ...response.headers, "x-request-id": requestId } })
        log(LogLevel.Info, "request", {
          request_id: requestId,
          method: request.method,
          path,
          status: response.status,
          duration_ms: Date.now() - started
        })
      }
      const failed = (error: unknown) => {
        if (error instanceof CapabilityError.CapabilityError) return answer(errorResponse(error, requestId))
        log(LogLevel.Error, "request failed", { request_id: requestId }, Cause.fail(error))
        answer(internalError(requestId))
      }
      const died = (cause: Cause.Cause<unknown>) => {
        log(LogLevel.Error, "request died", { request_id: requestId }, cause)
        answer(internalError(requestId))
      }
      const ended = (exit: Exit.Exit<RestResponse, unknown>) => {
        if (Exit.isSuccess(exit)) return answer(exit.value)
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some") return failed(failure.value)
        died(exit.cause)
      }
      const settle = (outcome: Outcome) => {
        if (outcome instanceof CapabilityError.CapabilityError) return failed(outcome)
        if (isResponse(outcome)) return answer(outcome)
        if (Exit.isExit(outcome)) return ended(outcome)
        run(outcome, { onExit: ended })
      }
      // Routes call back from wherever their input or answer arrives (a body's end, the outbox's reply): nothing a
      // request carries may throw past here, so a throw is answered as a death.
      const settleSafely = (outcome: Outcome) => {
        try {
          settle(outcome)
        } catch (defect) {
          died(Cause.die(defect))
        }
      }
      const route = routes.get(`${request.method} ${path}`)
      if (route === undefined) {
        return failed(
          new CapabilityError.CapabilityError({
            code: "not_found",
            status: 404,
            message: `No route ${request.method} ${path}`
          })
        )
      }
      try {
        route(request, settleSafely)
      } catch (defect) {
        died(Cause.die(defect))
      }
    }
  })

/** The API as a function from a request to an Effect of its answer (which never fails). */
export const make = (options: Options = {}): Effect.Effect<Handler, never, Scope.Scope | Operations.Requirements> =>
  Effect.map(
    serve(options),
    (answer) => (request) =>
      Effect.async<RestResponse>((resume) => answer(request, (response) => resume(Effect.succeed(response))))
  )

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
  Effect.map(serve(options), (answer) => (incoming, outgoing) => {
    const request: RestRequest = {
      method: incoming.method ?? "GET",
      url: incoming.url ?? "/",
      headers: incoming.headers,
      body: RequestBody.fromNode(incoming)
    }
    answer(request, (response) => {
      if (outgoing.headersSent) return
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
    })
  })

/** The API as an Effect HTTP app, for hosts serving with an Effect `HttpServer`. */
export const httpApp = (
  options: Options = {}
): Effect.Effect<
  Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>,
  never,
  Scope.Scope | Operations.Requirements
> =>
  Effect.map(make(options), (handle) =>
    Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) =>
      Effect.flatMap(Effect.either(request.text), (text) =>
        handle({
          method: request.method,
          url: request.url,
          headers: request.headers,
          body: Either.isRight(text) ? RequestBody.fromText(text.right) : (_, done) => done(Either.left("unreadable"))
        })
      ).pipe(
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
