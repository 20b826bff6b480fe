/**
 * How the client's requests travel. `layerUndici` (the default) sends with a pooled keep-alive undici agent,
 * one dispatch per request and the timeout on a timer of its own; `fromHttpClient` sends through any Effect
 * `HttpClient` (fetch in a browser or an edge runtime, or one with middleware of your own).
 *
 * @since 0.2.0
 */
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { Context, Duration, Effect, Layer } from "effect"
import { Agent, type Dispatcher } from "undici"
import { SchematicTransportError } from "./SchematicError.js"

export type Method = "GET" | "POST" | "PUT" | "DELETE"

export interface WireRequest {
  readonly method: Method
  /** `scheme://host:port`, parsed once by the client rather than per request. */
  readonly origin: string
  /** The path with its query string. */
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  /** JSON text, when there is a body. */
  readonly body: string | undefined
  readonly timeout: Duration.Duration
}

export interface WireResponse {
  readonly status: number
  /** A response header by its lower-case name. */
  readonly header: (name: string) => string | undefined
  readonly text: string
}

/** Failures are the client's own `SchematicTransportError`; the client prefixes the message with the call. */
export interface SchematicTransportShape {
  readonly send: (request: WireRequest) => Effect.Effect<WireResponse, SchematicTransportError>
}

export class SchematicTransport extends Context.Tag("@schematic-capability/schematic-client/SchematicTransport")<
  SchematicTransport,
  SchematicTransportShape
>() {}

/** Connect-phase failures: the request never reached upstream. */
const CONNECT_CODES = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"])

const errorCode = (cause: unknown): string | undefined => {
  let current: unknown = cause
  for (let depth = 0; depth < 4 && typeof current === "object" && current !== null; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === "string") return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

const describe = (cause: unknown) => {
  const code = errorCode(cause)
  const message = cause instanceof Error ? cause.message : String(cause)
  return code === undefined || message.includes(code) ? message : `${code} ${message}`
}

const fromError = (cause: unknown) =>
  new SchematicTransportError({
    reason: CONNECT_CODES.has(errorCode(cause) ?? "") ? "Connect" : "Connection",
    message: describe(cause)
  })

const timeoutFailure = (timeout: Duration.Duration) =>
  new SchematicTransportError({ reason: "Timeout", message: `no answer within ${Duration.format(timeout)}` })

const singleHeader = (value: string | ReadonlyArray<string> | undefined) =>
  typeof value === "string" ? value : value?.[0]

const textOf = (chunks: ReadonlyArray<Buffer>) =>
  chunks.length === 1 ? chunks[0]!.toString("utf8") : Buffer.concat(chunks).toString("utf8")

/**
 * Sends with undici over a dispatcher of your own (closing it stays yours).
 *
 * Each request is one `dispatch` with a handler that gathers the answer's bytes: no stream, no promise and no
 * AbortController per request (`request()` makes all three, and on a page of companies they cost about as much
 * as the rest of the client's work). Interrupting the call aborts the request through undici's own controller.
 */
export const undici = (dispatcher: Dispatcher): SchematicTransportShape => ({
  send: (request) =>
    Effect.async<WireResponse, SchematicTransportError>((resume) => {
      let controller: Dispatcher.DispatchController | undefined
      let settled = false
      let status = 0
      let headers: Record<string, string | ReadonlyArray<string> | undefined> = {}
      let chunks: Array<Buffer> = []
      /** Ends the call once: with its outcome, or with none when it was interrupted. */
      const settle = (effect: Effect.Effect<WireResponse, SchematicTransportError> | undefined) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        if (effect !== undefined) resume(effect)
      }
      // Before undici started the request there is nothing to abort yet; `onRequestStart` does it then.
      const abort = (reason: string) => {
        if (controller !== undefined && !controller.aborted) controller.abort(new Error(reason))
      }
      const timer = setTimeout(() => {
        settle(Effect.fail(timeoutFailure(request.timeout)))
        abort("timed out")
      }, Duration.toMillis(request.timeout))
      try {
        dispatcher.dispatch(
          {
            origin: request.origin,
            path: request.path,
            method: request.method,
            headers:
              request.body === undefined ? request.headers : { ...request.headers, "content-type": "application/json" },
            body: request.body ?? null
          },
          {
            onRequestStart: (started) => {
              controller = started
              if (settled) started.abort(new Error("cancelled"))
            },
            onResponseStart: (_, statusCode, responseHeaders) => {
              status = statusCode
              headers = responseHeaders
              chunks = []
            },
            onResponseData: (_, chunk) => {
              chunks.push(chunk)
            },
            onResponseEnd: () => {
              settle(Effect.succeed({ status, header: (name) => singleHeader(headers[name]), text: textOf(chunks) }))
            },
            onResponseError: (_, cause) => {
              settle(Effect.fail(fromError(cause)))
            }
          }
        )
      } catch (cause) {
        settle(Effect.fail(fromError(cause)))
      }
      return Effect.sync(() => {
        settle(undefined)
        abort("interrupted")
      })
    })
})

/** The default transport: a keep-alive undici agent for the layer's lifetime. */
export const layerUndici: Layer.Layer<SchematicTransport> = Layer.scoped(
  SchematicTransport,
  Effect.map(
    Effect.acquireRelease(
      // undici's own header and body timers are off: each request's timeout bounds the whole exchange, and
      // undici's would be two more timers a request to arm and clear.
      Effect.sync(() => new Agent({ keepAliveTimeout: 4_000, headersTimeout: 0, bodyTimeout: 0 })),
      (agent) => Effect.promise(() => agent.close())
    ),
    undici
  )
)

/** Sends through an Effect `HttpClient` (for fetch, or a client with middleware of your own). */
export const fromHttpClient = (client: HttpClient.HttpClient): SchematicTransportShape => ({
  send: (request) => {
    let outgoing = HttpClientRequest.make(request.method)(`${request.origin}${request.path}`).pipe(
      HttpClientRequest.setHeaders(request.headers)
    )
    if (request.body !== undefined) outgoing = HttpClientRequest.bodyText(outgoing, request.body, "application/json")
    return client.execute(outgoing).pipe(
      Effect.flatMap((response) =>
        Effect.map(
          response.text,
          (text): WireResponse => ({ status: response.status, header: (name) => response.headers[name], text })
        )
      ),
      Effect.scoped,
      Effect.timeoutFail({
        duration: request.timeout,
        onTimeout: () => timeoutFailure(request.timeout)
      }),
      Effect.catchTags({
        RequestError: (error) => Effect.fail(fromError(error.cause ?? error.message)),
        ResponseError: () =>
          Effect.fail(new SchematicTransportError({ reason: "Connection", message: "the answer broke off" }))
      })
    )
  }
})

/** A transport over the `HttpClient` the given layer provides. */
export const layerHttpClient = (httpClient: Layer.Layer<HttpClient.HttpClient>): Layer.Layer<SchematicTransport> =>
  Layer.effect(SchematicTransport, Effect.map(HttpClient.HttpClient, fromHttpClient)).pipe(Layer.provide(httpClient))
