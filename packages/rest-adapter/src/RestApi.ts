/**
 * The REST API, derived from the operation registry: one route per operation binding, JSON in and out,
 * one error format, a request id on every answer, /openapi.json, /docs, /healthz and /readyz.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import { HttpRouter, HttpServer, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import {
  Authenticator,
  CallerRateLimit,
  Capability,
  CapabilityError,
  type Operation,
  Operations
} from "@schematic-capability/capability-core"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { Cause, Duration, Effect, Layer, type Scope } from "effect"
import { docsHandler } from "./internal/docs.js"
import { jsonBody, queryCoercer } from "./internal/input.js"
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

const defaultInfo: OpenApiDocument.Info = {
  title: "Schematic Capability",
  version: "0.1.0",
  description:
    "Customer companies and users, usage events and insights over Schematic. Errors always have the shape " +
    "{error: {code, message, fields?, request_id}}."
}

const REQUEST_ID = /^[\w.:@/-]{1,128}$/

const json = (body: unknown, status: number, headers: Record<string, string> = {}) =>
  HttpServerResponse.unsafeJson(body, { status, headers })

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
export const authorize = (
  authenticator: Authenticator.AuthenticatorShape,
  scope: Operation.Scope,
  limit: CallerRateLimit.CallerRateLimit = CallerRateLimit.unlimited
): Effect.Effect<void, CapabilityError.CapabilityError, HttpServerRequest.HttpServerRequest> =>
  Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
    const admission = Authenticator.admit(authenticator, request.headers.authorization, { scope, limit })
    return admission._tag === "Refused" ? Effect.fail(admission.error) : Effect.void
  })

/** What serves each request: needs the request and the operations' services (a SchematicClient). */
export type App = Effect.Effect<
  HttpServerResponse.HttpServerResponse,
  never,
  HttpServerRequest.HttpServerRequest | Operations.Requirements
>

/** Builds the HTTP application; the scope holds the docs page. */
export const make = (options: Options = {}): Effect.Effect<App, never, Scope.Scope> =>
  Effect.gen(function* () {
    const operations = options.operations ?? Operations.all
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    const document = OpenApiDocument.make(operations, options.info ?? defaultInfo)
    const docs = yield* docsHandler(document, "/docs")
    const readiness =
      options.readiness ??
      Effect.flatMap(SchematicClient.SchematicClient, (client) => client.features.list({ limit: 1 }))

    const authenticator = options.authenticator ?? Authenticator.open
    const callerLimit = options.callerRateLimit ?? CallerRateLimit.unlimited
    const handlerFor = (operation: Operation.Operation) => {
      const coerce = queryCoercer(operation)
      return Effect.gen(function* () {
        yield* authorize(authenticator, operation.scope, callerLimit)
        const raw =
          operation.rest.method === "GET"
            ? coerce(yield* HttpServerRequest.ParsedSearchParams)
            : yield* jsonBody(
                operation.rest.maxBodyBytes === undefined
                  ? maxBodyBytes
                  : (options.maxBulkBodyBytes ?? operation.rest.maxBodyBytes)
              )
        const input = yield* Capability.decodeInput(operation, raw)
        const output = yield* Capability.execute(operation, input)
        return json(output, operation.rest.status)
      })
    }

    let router = HttpRouter.empty as HttpRouter.HttpRouter<unknown, unknown>
    for (const operation of operations) {
      for (const path of operation.rest.paths) {
        router = router.pipe(HttpRouter.route(operation.rest.method)(path as `/${string}`, handlerFor(operation)))
      }
    }
    router = router.pipe(
      HttpRouter.get("/healthz", Effect.succeed(json({ status: "ok" }, 200))),
      HttpRouter.get(
        "/readyz",
        // It makes the server call Schematic with its key, so it is not for anyone who can reach the port.
        Effect.zipRight(
          authorize(authenticator, "read"),
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
      ),
      HttpRouter.get("/openapi.json", Effect.succeed(json(document, 200))),
      HttpRouter.get("/docs", Effect.scoped(docs))
    )

    return Effect.gen(function* () {
      const request = yield* HttpServerRequest.HttpServerRequest
      const given = request.headers["x-request-id"]
      const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
      const started = Date.now()
      const response = yield* router.pipe(
        Effect.catchAll((error) => {
          if (error instanceof CapabilityError.CapabilityError) return Effect.succeed(errorResponse(error, requestId))
          if (typeof error === "object" && error !== null && "_tag" in error && error._tag === "RouteNotFound") {
            return Effect.succeed(
              errorResponse(
                new CapabilityError.CapabilityError({
                  code: "not_found",
                  status: 404,
                  message: `No route ${request.method} ${request.url.split("?")[0]}`
                }),
                requestId
              )
            )
          }
          return Effect.logError("request failed", error).pipe(Effect.as(internalError(requestId)))
        }),
        Effect.catchAllCause((cause) =>
          Effect.logError("request died", Cause.pretty(cause)).pipe(Effect.as(internalError(requestId)))
        )
      )
      yield* Effect.logInfo("request").pipe(
        Effect.annotateLogs({
          request_id: requestId,
          method: request.method,
          path: request.url.split("?")[0],
          status: response.status,
          duration_ms: Date.now() - started
        })
      )
      return HttpServerResponse.setHeader(response, "x-request-id", requestId)
    }) as App
  })

const internalError = (requestId: string) =>
  errorResponse(
    new CapabilityError.CapabilityError({ code: "internal", status: 500, message: "Internal error" }),
    requestId
  )

/** Serves the REST API on the HttpServer in context for as long as the layer lives. */
export const layer = (
  options: Options = {}
): Layer.Layer<never, never, HttpServer.HttpServer | Operations.Requirements> =>
  Layer.unwrapScoped(Effect.map(make(options), (app) => HttpServer.serve(app, (self) => self)))
