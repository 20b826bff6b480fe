import { SchemaCheck } from "@schematic-capability/schema-check"
import { Cause, Duration, Effect, Either, FiberRef, Option, type ParseResult, Redacted, Schema } from "effect"
import type { SchematicConfigShape } from "../SchematicConfig.js"
import {
  SchematicBadRequest,
  SchematicDecodeError,
  type SchematicError,
  SchematicForbidden,
  SchematicInvalidRequest,
  SchematicNotFound,
  SchematicRateLimited,
  SchematicTransportError,
  SchematicUnauthorized,
  SchematicUpstreamError
} from "../SchematicError.js"
import type { Method, SchematicTransportShape, WireResponse } from "../SchematicTransport.js"
import type { UpstreamObserverShape } from "../UpstreamObserver.js"
import * as UpstreamObserver from "../UpstreamObserver.js"
import { formatIssues } from "./issues.js"
import { encodeQuery } from "./query.js"
import { retrySchedule } from "./retry.js"

/** A schema that decodes to `A` from whatever JSON upstream sends (Schema is invariant in its encoded side). */
// biome-ignore lint/suspicious/noExplicitAny: the encoded side is JSON of any shape
export type SchemaOf<A> = Schema.Schema<A, any>

export interface Call<A> {
  readonly method: Method
  readonly path: string
  readonly query?: Readonly<Record<string, unknown>> | undefined
  readonly body?: unknown
  /** The schema of `data` in the `{data, params}` envelope. */
  readonly success: SchemaOf<A>
  /** Whether sending it twice has the effect of sending it once (see `isRetryable`). */
  readonly idempotent: boolean
  /** The path with its ids as templates (`/companies/{id}`), for observers; `path` when it has none. */
  readonly route?: string | undefined
}

/** Upstream messages reach callers; keep them to one readable line of bounded length. */
const MAX_MESSAGE = 500
const clip = (text: string) => {
  const line = text.replace(/\s+/g, " ").trim()
  return line.length > MAX_MESSAGE ? `${line.slice(0, MAX_MESSAGE)}…` : line
}

const upstreamMessage = (body: unknown, status: number): string => {
  if (typeof body === "object" && body !== null && typeof (body as { error?: unknown }).error === "string") {
    return clip((body as { error: string }).error)
  }
  if (typeof body === "string" && body.length > 0) return clip(body)
  return `upstream answered ${status}`
}

/** Retry-After in seconds or as an HTTP date. */
const retryAfterMillis = (response: WireResponse): number | undefined => {
  const header = response.header("retry-after")
  if (header === undefined) return undefined
  const seconds = Number(header)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(header)
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now())
}

/**
 * One checker per response schema, built once (a schema built per request would be compiled every time).
 * The body is checked against the known fields and returned as it came, so fields the schema does not list
 * reach the caller untouched; only a body that fails is decoded again, to say where. Response schemas are
 * plain shapes without transformations, so the checked body is the decoded value.
 *
 * The check compiled from the schema's JSON Schema (`SchemaCheck`) answers first: `Schema.is` walking a page of
 * companies is a noticeable part of a request, more so on a busy server whose caches the other requests have cooled.
 */
const checkers = new WeakMap<object, (body: unknown) => Either.Either<unknown, ParseResult.ParseError>>()
const checkerOf = <A>(success: SchemaOf<A>) => {
  let check = checkers.get(success)
  if (check === undefined) {
    const envelope = Schema.Struct({ data: success })
    const is = SchemaCheck.isOf(envelope)
    const explain = Schema.decodeUnknownEither(envelope, { errors: "all" })
    check = (body) =>
      is(body)
        ? Either.right((body as { data: unknown }).data)
        : Either.flatMap(explain(body), (ok) => Either.right(ok.data))
    checkers.set(success, check)
  }
  return check as (body: unknown) => Either.Either<A, ParseResult.ParseError>
}

/** The W3C `traceparent` of a span, as the call out sends it. */
const traceparentOf = (span: { readonly traceId: string; readonly spanId: string; readonly sampled: boolean }) =>
  `00-${span.traceId}-${span.spanId}-${span.sampled ? "01" : "00"}`

/** The HTTP status a failed attempt answered with: 0 when none came, 200 for an answer that did not decode. */
const statusOf = (cause: Cause.Cause<SchematicError>): number => {
  const failure = Cause.failureOption(cause)
  if (failure._tag === "None") return 0
  const error = failure.value
  switch (error._tag) {
    case "SchematicUnauthorized":
      return 401
    case "SchematicForbidden":
      return 403
    case "SchematicNotFound":
      return 404
    case "SchematicRateLimited":
      return 429
    case "SchematicBadRequest":
    case "SchematicUpstreamError":
      return error.status
    case "SchematicDecodeError":
      return 200
    default:
      return 0
  }
}

export interface Executor {
  readonly run: <A>(call: Call<A>) => Effect.Effect<A, SchematicError>
}

export const makeExecutor = (
  config: SchematicConfigShape,
  transport: SchematicTransportShape,
  limit: {
    readonly read: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
    readonly write: <A, E>(effect: Effect.Effect<A, E>) => Effect.Effect<A, E>
  },
  observer: UpstreamObserverShape = UpstreamObserver.none
): Executor => {
  const baseHeaders: Record<string, string> = {
    accept: "application/json",
    "x-schematic-api-key": Redacted.value(config.apiKey)
  }
  if (Option.isSome(config.environmentId)) baseHeaders["x-schematic-environment-id"] = config.environmentId.value
  const timeout = Duration.decode(config.timeout)

  // The base URL is parsed once: each request carries its origin and a path under the base path.
  const base = new URL(config.baseUrl)
  const basePath = base.pathname.replace(/\/$/, "")

  /** Every attempt of `call` sends `body`, its body's JSON text. */
  const attempt = <A>(
    call: Call<A>,
    body: string | undefined,
    headers: Record<string, string>
  ): Effect.Effect<A, SchematicError> => {
    const query = new URLSearchParams(encodeQuery(call.query)).toString()
    const where = `${call.method} ${call.path}`
    const sent = transport
      .send({
        method: call.method,
        origin: base.origin,
        path: `${basePath}${call.path}${query === "" ? "" : `?${query}`}`,
        headers,
        body,
        timeout
      })
      .pipe(
        Effect.mapError(
          (error) => new SchematicTransportError({ reason: error.reason, message: `${where}: ${clip(error.message)}` })
        ),
        Effect.flatMap((response) => interpret(call, where, response))
      )
    return observed ? observe(call, sent) : sent
  }

  // Observed only when someone listens: the default observer costs nothing per call.
  const observed = observer !== UpstreamObserver.none
  /** Times each attempt of a call and tells the observer its status (0 without an answer). */
  const observe = <A>(call: Call<A>, sent: Effect.Effect<A, SchematicError>) => {
    let attempts = 0
    return Effect.suspend(() => {
      const started = performance.now()
      const retry = attempts++ > 0
      return Effect.onExit(sent, (exit) =>
        Effect.sync(() =>
          observer.attempt({
            method: call.method,
            route: call.route ?? call.path,
            status: exit._tag === "Success" ? 200 : statusOf(exit.cause),
            seconds: (performance.now() - started) / 1000,
            retry
          })
        )
      )
    })
  }

  const interpret = <A>(call: Call<A>, where: string, response: WireResponse): Effect.Effect<A, SchematicError> => {
    const { status, text } = response
    let body: unknown = text
    try {
      body = text.length === 0 ? undefined : JSON.parse(text)
    } catch {
      if (status >= 200 && status < 300) {
        return Effect.fail(
          new SchematicDecodeError({
            method: call.method,
            path: call.path,
            message: `${where}: the answer is not JSON`
          })
        )
      }
    }
    if (status >= 200 && status < 300) {
      return checkerOf(call.success)(body).pipe(
        Either.mapLeft(
          (error) =>
            new SchematicDecodeError({
              method: call.method,
              path: call.path,
              message: `${where} answered ${status} with an unexpected body: ${formatIssues(error)}`
            })
        )
      )
    }
    const message = upstreamMessage(body, status)
    switch (status) {
      case 401:
        return Effect.fail(new SchematicUnauthorized({ message }))
      case 403:
        return Effect.fail(new SchematicForbidden({ message }))
      case 404:
        return Effect.fail(new SchematicNotFound({ message }))
      case 408:
        return Effect.fail(new SchematicUpstreamError({ status, message }))
      case 429: {
        const after = retryAfterMillis(response)
        return Effect.fail(
          new SchematicRateLimited(after === undefined ? { message } : { message, retryAfterMillis: after })
        )
      }
      default:
        return Effect.fail(
          status >= 500 ? new SchematicUpstreamError({ status, message }) : new SchematicBadRequest({ status, message })
        )
    }
  }

  // Built once: a schedule is a graph of objects, and every call would otherwise build its own.
  const schedules = { idempotent: retrySchedule(config.retry, true), other: retrySchedule(config.retry, false) }

  /**
   * The first attempt runs bare; only a failure starts the schedule, which sees that failure first. Most calls
   * succeed at once, and `Effect.retry` starts its schedule's driver (state, clock) before the first attempt.
   */
  const retried = <A>(
    call: Call<A>,
    body: string | undefined,
    headers: Record<string, string>
  ): Effect.Effect<A, SchematicError> => {
    const once =
      call.method === "GET" ? limit.read(attempt(call, body, headers)) : limit.write(attempt(call, body, headers))
    const schedule = call.idempotent ? schedules.idempotent : schedules.other
    return Effect.catchAll(once, (first) => {
      let replayed = false
      const again = Effect.suspend(() => {
        if (replayed) return once
        replayed = true
        return Effect.fail(first)
      })
      return Effect.retry(again, schedule)
    })
  }

  return {
    run: <A>(given: Call<A>) => {
      // The body is written as JSON once, and only its text is kept for the attempts: the value it was written from
      // (a batch of 1000 events) is not held while Schematic answers.
      const body = given.body === undefined ? undefined : JSON.stringify(given.body)
      const call: Call<A> = given.body === undefined ? given : { ...given, body: undefined }
      // A span costs a context, an exit hook and two fiber-ref changes even when tracing is off; it is made only
      // when a tracer is listening. Then the call carries its span on to Schematic as a W3C `traceparent`.
      return Effect.withFiberRuntime<A, SchematicError>((fiber) => {
        if (!fiber.getFiberRef(FiberRef.currentTracerEnabled)) return retried(call, body, baseHeaders)
        const route = call.route ?? call.path
        return Effect.withSpan(
          Effect.flatMap(Effect.currentSpan.pipe(Effect.orDie), (span) =>
            retried(call, body, { ...baseHeaders, traceparent: traceparentOf(span) })
          ),
          `schematic ${call.method} ${route}`,
          {
            kind: "client",
            attributes: { "http.request.method": call.method, "url.path": call.path, "http.route": route },
            // No stack trace: capturing one costs more than the rest of the span on every call.
            captureStackTrace: false
          }
        )
      })
    }
  }
}

/**
 * Checks a request against its schema before anything is sent: nothing more to do when it passes (undefined),
 * else the check that names the bad field. Request schemas are plain shapes, so a request that passes is sent as
 * it is; only a failing one is decoded again, to say where (the check alone is several times cheaper, which
 * matters for batches of 1000 events).
 */
export const validate = <A, I>(
  schema: Schema.Schema<A, I>,
  input: unknown,
  what: string
): Effect.Effect<void, SchematicInvalidRequest> | undefined => {
  if (SchemaCheck.isOf(schema)(input)) return undefined
  return Schema.encodeUnknown(schema, { errors: "all", onExcessProperty: "preserve" })(input).pipe(
    Effect.asVoid,
    Effect.mapError((error) => new SchematicInvalidRequest({ message: `invalid ${what}: ${formatIssues(error)}` }))
  )
}
