/**
 * The REST API, derived from the operation registry: one route per operation binding, JSON in and out,
 * one error format, a request id on every answer, /openapi.json, /docs, /healthz and /readyz.
 *
 * The API itself is `serve`, a function that answers a plain request through a callback (see
 * `@schematic-capability/http-exchange`); `listener` serves it straight on a Node `http` server, `httpApp` and
 * `layer` on an Effect `HttpServer`, `webHandler` and `toWebHandler` as a web-standard
 * `(request: Request) => Promise<Response>` for Hono, Next.js route handlers, Bun, Deno or Workers.
 *
 * @since 0.1.0
 */
import { randomUUID } from "node:crypto"
import type { IncomingMessage, ServerResponse } from "node:http"
import { HttpServer, type HttpServerRequest, type HttpServerResponse } from "@effect/platform"
import {
  Authenticator,
  CallerRateLimit,
  Capability,
  CapabilityError,
  EventSink,
  type Operation,
  Operations,
  type RequestObserver,
  RequestTrace
} from "@schematic-capability/capability-core"
import { HttpExchange, PackageVersion, RequestLog } from "@schematic-capability/http-exchange"
import { SchematicClient } from "@schematic-capability/schematic-client"
import { Cause, Duration, Effect, Either, Exit, Layer, LogLevel, Runtime } from "effect"
import { docsPage } from "./internal/docs.js"
import { queryCoercer, recordBodies, recordsInput, searchParams, withPathParams } from "./internal/input.js"
import * as Router from "./internal/router.js"
import * as OpenApiDocument from "./OpenApiDocument.js"

// biome-ignore lint/suspicious/noExplicitAny: operations of every input and output type are served together
type AnyOperation = Operation.Operation<any, any, any>

export interface Options<Op extends AnyOperation = (typeof Operations.all)[number]> {
  readonly operations?: ReadonlyArray<Op> | undefined
  readonly info?: OpenApiDocument.Info | undefined
  /** Largest accepted request body (default 1 MiB). */
  readonly maxBodyBytes?: number | undefined
  /** Largest body for routes that take bulk input, such as event batches (default: the route's own, 8 MiB). */
  readonly maxBulkBodyBytes?: number | undefined
  /** Who may call what; by default everyone may call everything (a server without tokens). */
  readonly authenticator?: Authenticator.AuthenticatorShape | undefined
  /** Requests a second per authenticated caller (past it: 429 with Retry-After); none by default. */
  readonly callerRateLimit?: CallerRateLimit.CallerRateLimit | undefined
  /**
   * What /readyz checks; by default the event sink (its storage) and a one-row read from Schematic, each named in
   * the answer when it fails or does not answer within 3 s. A failure that is a `CapabilityError` is answered as
   * it is, any other as `unavailable`.
   */
  readonly readiness?: Effect.Effect<unknown, unknown, Operations.Requirements> | undefined
  /**
   * Request lines written one by one each second (by default every one). Past it, that second's other requests are
   * summed up in one line; errors (status 400 and over) are always written one by one.
   */
  readonly logRequestsPerSecond?: number | undefined
  /** Told of every request answered: its operation (or route), status and time. */
  readonly observe?: RequestObserver.RequestObserver | undefined
  /**
   * Served at GET /metrics to whoever may call /readyz: the metrics, rendered in their format (for instance
   * Prometheus text) when asked for.
   */
  readonly metrics?: { readonly contentType: string; readonly render: () => Promise<string> } | undefined
}

/** The services `serve` needs: its operations', and the default readiness check's. */
export type Requirements<Op extends AnyOperation> = Operation.Requirements<Op> | Operations.Requirements

const defaultInfo: OpenApiDocument.Info = {
  title: "Schematic Capability",
  version: PackageVersion.of(import.meta.url),
  description:
    "Customer companies and users, usage events and insights over Schematic. Errors always have the shape " +
    "{error: {code, message, fields?, request_id}}."
}

const REQUEST_ID = /^[\w.:@/-]{1,128}$/

export const errorResponse = (error: CapabilityError.CapabilityError, requestId: string): HttpExchange.Response =>
  HttpExchange.json(
    {
      error: {
        code: error.code,
        message: error.message,
        ...(error.fields === undefined ? {} : { fields: error.fields }),
        request_id: requestId
      }
    },
    error.status,
    HttpExchange.errorHeaders(error)
  )

/**
 * What a route makes of a request: an answer at once, a refusal, the Exit its operation ended with, or an Effect to
 * run for an answer (readiness).
 */
type Outcome =
  | HttpExchange.Response
  | CapabilityError.CapabilityError
  | Exit.Exit<HttpExchange.Response, unknown>
  | Effect.Effect<HttpExchange.Response, unknown, Operations.Requirements>

type Route = (request: HttpExchange.Request, params: Router.Params, done: (outcome: Outcome) => void) => void

const isResponse = (outcome: Outcome): outcome is HttpExchange.Response => "contentType" in outcome

/** How long /readyz waits for each of its checks. */
const READY_WITHIN = Duration.seconds(3)

const unavailable = (message: string) => new CapabilityError.CapabilityError({ code: "unavailable", message })

/** A readiness check that names what failed: its own CapabilityError, or `message`, or that it did not answer. */
const readinessOf = <R>(what: string, check: Effect.Effect<unknown, unknown, R>, message: string) =>
  check.pipe(
    Effect.timeoutFail({
      duration: READY_WITHIN,
      onTimeout: () => unavailable(`${what} did not answer within ${Duration.format(READY_WITHIN)}`)
    }),
    Effect.mapError((error) => (error instanceof CapabilityError.CapabilityError ? error : unavailable(message)))
  )

/** The event sink (its storage) and Schematic, checked together; the first that fails, in that order, answers. */
const defaultReadiness = Effect.all(
  [
    readinessOf(
      "The event outbox",
      Effect.flatMap(EventSink.EventSink, (sink) => sink.ready),
      "The event outbox is not ready"
    ),
    readinessOf(
      "Schematic",
      Effect.flatMap(SchematicClient.SchematicClient, (client) => client.features.list({ limit: 1 })),
      "Schematic is not reachable with the server's key"
    )
  ],
  { concurrency: "unbounded", mode: "either" }
).pipe(
  Effect.flatMap(([outbox, schematic]) =>
    Either.isLeft(outbox)
      ? Effect.fail(outbox.left)
      : Either.isLeft(schematic)
        ? Effect.fail(schematic.left)
        : Effect.void
  )
)

/**
 * Builds the API on the runtime it runs in, which provides the operations' services and the loggers its request
 * lines go to. A request starts at most one fiber (its operation's handler), none for an operation with a callback
 * form: admission, the body, JSON and input decoding are plain code before it.
 */
export const serve = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<HttpExchange.Serve, never, Requirements<Op>> =>
  Effect.gen(function* () {
    const runtime = yield* Effect.runtime<Requirements<Op>>()
    const run = Runtime.runCallback(runtime)
    const log = RequestLog.make(runtime)
    const logRequest = RequestLog.requestLines(log, { perSecond: options.logRequestsPerSecond })
    const operations: ReadonlyArray<AnyOperation> = options.operations ?? Operations.all
    const maxBodyBytes = options.maxBodyBytes ?? 1024 * 1024
    const authenticator = options.authenticator ?? Authenticator.open
    const callerLimit = options.callerRateLimit ?? CallerRateLimit.unlimited
    const observe = options.observe
    // Decided once: without a tracer, requests pay nothing for tracing.
    const tracing = RequestTrace.enabledOn(runtime)
    const document = OpenApiDocument.make(operations, options.info ?? defaultInfo, {
      authenticated: authenticator.required
    })
    const readiness =
      options.readiness === undefined
        ? defaultReadiness
        : readinessOf("The readiness check", options.readiness, "The server is not ready")

    /** A refusal when the caller's token lacks `scope` or is past its budget; nothing when the request may go on. */
    const refusal = (request: HttpExchange.Request, scope: Operation.Scope) => {
      const admission = Authenticator.admit(authenticator, HttpExchange.header(request, "authorization"), {
        scope,
        limit: callerLimit
      })
      return admission._tag === "Refused" ? admission.error : undefined
    }

    const routeFor = (operation: AnyOperation): Route => {
      const coerce = queryCoercer(operation)
      const maxBytes =
        operation.rest.maxBodyBytes === undefined
          ? maxBodyBytes
          : Math.max(options.maxBulkBodyBytes ?? 0, operation.rest.maxBodyBytes)
      const respondWith = (output: unknown) => HttpExchange.json(output, operation.rest.status)
      const spanName = `${operation.rest.method} ${operation.rest.paths[0]}`
      const decoded = (request: HttpExchange.Request, raw: unknown, done: (outcome: Outcome) => void) => {
        const input = Capability.decodeInput(operation, raw)
        if (Either.isLeft(input)) return done(input.left)
        const trace = tracing
          ? {
              name: spanName,
              traceparent: HttpExchange.header(request, "traceparent"),
              attributes: {
                "http.request.method": request.method,
                "http.route": operation.rest.paths[0],
                "capability.transport": "rest"
              }
            }
          : undefined
        Capability.executeOn(runtime, operation, input.right, (exit) => done(Exit.map(exit, respondWith)), trace)
      }
      // GET and DELETE take their input from the query string, the others from a JSON body; path parameters join
      // either.
      const fromQuery = operation.rest.method === "GET" || operation.rest.method === "DELETE"
      // A body that is the records alone (an array, or NDJSON) fills this field.
      const records = operation.rest.records
      return (request, params, done) => {
        const refused = refusal(request, operation.scope)
        if (refused !== undefined) return done(refused)
        const withParams = (raw: unknown) => {
          const input = withPathParams(raw, params)
          return Either.isLeft(input) ? done(input.left) : decoded(request, input.right, done)
        }
        if (fromQuery) return withParams(coerce(searchParams(request.url)))
        if (records !== undefined) {
          return HttpExchange.readText(request, maxBytes, recordBodies, (text) => {
            if (Either.isLeft(text)) return done(text.left)
            const contentType = HttpExchange.header(request, "content-type")
            const input = recordsInput(text.right, contentType, records, () => coerce(searchParams(request.url)))
            return Either.isLeft(input) ? done(input.left) : withParams(input.right)
          })
        }
        HttpExchange.readJson(request, maxBytes, (raw) => (Either.isLeft(raw) ? done(raw.left) : withParams(raw.right)))
      }
    }

    const router = Router.make<Route>()
    // What the observer calls each route: its operation's name, or the route's own.
    const labels = new Map<Route, string>()
    const add = (method: string, path: string, route: Route, label: string) => {
      labels.set(route, label)
      router.add(method, path, route)
    }
    for (const operation of operations) {
      const route = routeFor(operation)
      for (const path of operation.rest.paths) add(operation.rest.method, path, route, operation.name)
    }
    const fixed =
      (response: HttpExchange.Response): Route =>
      (_, __, done) =>
        done(response)
    add("GET", "/healthz", fixed(HttpExchange.json({ status: "ok" }, 200)), "healthz")
    add(
      "GET",
      "/readyz",
      (request, _, done) =>
        // It makes the server call Schematic with its key, so it is not for anyone who can reach the port.
        done(refusal(request, "read") ?? readiness.pipe(Effect.as(HttpExchange.json({ status: "ready" }, 200)))),
      "readyz"
    )
    const metrics = options.metrics
    if (metrics !== undefined) {
      add(
        "GET",
        "/metrics",
        (request, _, done) =>
          // Same rule as /readyz: what it tells is for operators, not for anyone who can reach the port.
          done(
            refusal(request, "read") ??
              Effect.map(Effect.promise(metrics.render), (body) => ({
                status: 200,
                contentType: metrics.contentType,
                headers: {},
                body
              }))
          ),
        "metrics"
      )
    }
    const openApi = HttpExchange.json(document, 200)
    add("GET", "/openapi.json", fixed(openApi), "openapi")
    // Rendered when first asked for (the page bundles its viewer, megabytes an idle server need not hold).
    const docs = docsPage(document, "/docs")
    add(
      "GET",
      "/docs",
      (_, __, done) =>
        done(Effect.map(docs, (body) => ({ status: 200, contentType: "text/html; charset=utf-8", headers: {}, body }))),
      "docs"
    )

    return (request, respond) => {
      const given = HttpExchange.header(request, "x-request-id")
      const requestId = given !== undefined && REQUEST_ID.test(given) ? given : randomUUID()
      const started = Date.now()
      const timer = observe === undefined ? 0 : performance.now()
      const path = HttpExchange.pathOf(request)
      let answered = false
      const found = router.find(request.method, path)
      const answer = (response: HttpExchange.Response) => {
        if (answered) return
        answered = true
        respond({
          status: response.status,
          contentType: response.contentType,
          headers: HttpExchange.withHeader(response.headers, "x-request-id", requestId),
          body: response.body
        })
        observe?.({
          operation: (found._tag === "Found" ? labels.get(found.route) : undefined) ?? "unmatched",
          transport: "rest",
          status: response.status,
          seconds: (performance.now() - timer) / 1000
        })
        logRequest({
          request_id: requestId,
          method: request.method,
          path,
          status: response.status,
          duration_ms: Date.now() - started
        })
      }
      const died = (cause: Cause.Cause<unknown>) => {
        log(LogLevel.Error, "request died", { request_id: requestId }, cause)
        answer(
          errorResponse(new CapabilityError.CapabilityError({ code: "internal", message: "Internal error" }), requestId)
        )
      }
      const ended = (exit: Exit.Exit<HttpExchange.Response, unknown>) => {
        if (Exit.isSuccess(exit)) return answer(exit.value)
        const failure = Cause.failureOption(exit.cause)
        if (failure._tag === "Some" && failure.value instanceof CapabilityError.CapabilityError) {
          return answer(errorResponse(failure.value, requestId))
        }
        died(exit.cause)
      }
      // Routes call back from wherever their input or answer arrives (a body's end, the outbox's reply): nothing a
      // request carries may throw past here, so a throw is answered as a death.
      const settle = (outcome: Outcome) => {
        try {
          if (outcome instanceof CapabilityError.CapabilityError) return answer(errorResponse(outcome, requestId))
          if (isResponse(outcome)) return answer(outcome)
          if (Exit.isExit(outcome)) return ended(outcome)
          run(outcome, { onExit: ended })
        } catch (defect) {
          died(Cause.die(defect))
        }
      }
      if (found._tag === "Found") {
        try {
          return found.route(request, found.params, settle)
        } catch (defect) {
          return died(Cause.die(defect))
        }
      }
      const allowed = found._tag === "WrongMethod" ? found.allowed : undefined
      const refused =
        allowed === undefined
          ? new CapabilityError.CapabilityError({ code: "not_found", message: `No route ${request.method} ${path}` })
          : new CapabilityError.CapabilityError({
              code: "method_not_allowed",
              message: `${path} takes ${allowed.join(", ")}, not ${request.method}`
            })
      const response = errorResponse(refused, requestId)
      answer(
        allowed === undefined
          ? response
          : { ...response, headers: HttpExchange.withHeader(response.headers, "allow", allowed.join(", ")) }
      )
    }
  })

/**
 * The API as a Node `http` request listener, running each request on the runtime it is built in (which must
 * provide the operations' services).
 */
export const listener = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<(request: IncomingMessage, response: ServerResponse) => void, never, Requirements<Op>> =>
  Effect.map(serve(options), HttpExchange.listener)

/** The API as an Effect HTTP app, for hosts serving with an Effect `HttpServer`. */
export const httpApp = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<
  Effect.Effect<HttpServerResponse.HttpServerResponse, never, HttpServerRequest.HttpServerRequest>,
  never,
  Requirements<Op>
> => Effect.map(serve(options), (answer) => HttpExchange.httpApp(answer))

/** Serves the REST API on the Effect `HttpServer` in context for as long as the layer lives. */
export const layer = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Layer.Layer<never, never, HttpServer.HttpServer | Requirements<Op>> =>
  Layer.unwrapEffect(Effect.map(httpApp(options), (app) => HttpServer.serve(app, (self) => self)))

/**
 * The API as a web-standard handler, `(request: Request) => Promise<Response>`, running each request on the runtime
 * it is built in: the same routes, admission, body limits, errors, request ids, observation and logs as `listener`.
 * Routes are matched on the request URL's path as the handler gets it: a host that mounts the API under a prefix
 * strips the prefix first (Hono's `app.mount("/api", handler)` does).
 */
export const webHandler = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  options: Options<Op> = {}
): Effect.Effect<(request: Request) => Promise<Response>, never, Requirements<Op>> =>
  Effect.map(serve(options), HttpExchange.webHandler)

/**
 * The API as a web-standard handler on `runtime` (which must provide the operations' services), for hosts that are
 * not written with Effect: build the runtime once (`ManagedRuntime.make(layer).runtime()`), then the handler.
 */
export const toWebHandler = <Op extends AnyOperation = (typeof Operations.all)[number]>(
  runtime: Runtime.Runtime<Requirements<Op>>,
  options: Options<Op> = {}
): ((request: Request) => Promise<Response>) => Runtime.runSync(runtime)(webHandler(options))
