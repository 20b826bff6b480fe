/** Reading a request: its JSON body against a schema, its query parameters, its path parameters, its sender. */
import { HttpRouter, HttpServerRequest } from "@effect/platform"
import { Effect, Option, ParseResult, Schema } from "effect"
import type { Caller } from "../domain/events.js"
import { badRequest, SandboxError } from "../SandboxError.js"

/** The largest request body the sandbox reads (a full batch of 1000 events fits many times over). */
export const MAX_BODY_BYTES = 16 * 1024 * 1024

const formatIssues = (error: ParseResult.ParseError): string =>
  ParseResult.ArrayFormatter.formatErrorSync(error)
    .map((issue) => `${issue.path.length === 0 ? "body" : issue.path.join(".")}: ${issue.message}`)
    .join("; ")

/** Reads the JSON body and checks it against `schema`; the error names the offending field. */
export const body = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const length = Number(request.headers["content-length"] ?? 0)
    if (length > MAX_BODY_BYTES) {
      return yield* new SandboxError({ status: 413, message: `request body is larger than ${MAX_BODY_BYTES} bytes` })
    }
    const text = yield* request.text.pipe(Effect.mapError(() => badRequest("request body could not be read")))
    if (text.length > MAX_BODY_BYTES) {
      return yield* new SandboxError({ status: 413, message: `request body is larger than ${MAX_BODY_BYTES} bytes` })
    }
    let json: unknown
    try {
      json = JSON.parse(text)
    } catch {
      return yield* badRequest("request body is not valid JSON")
    }
    return yield* Schema.decodeUnknown(schema, { errors: "all", onExcessProperty: "ignore" })(json).pipe(
      Effect.mapError((error) => badRequest(`invalid request: ${formatIssues(error)}`))
    )
  })

type Search = Readonly<Record<string, string | ReadonlyArray<string> | undefined>>

/**
 * Query parameter readers. Each names the parameter it rejects. Arrays accept repeated keys and the
 * `name[]` form; key maps accept `keys={"a":"b"}` and `keys[a]=b`.
 */
export class Query {
  constructor(private readonly search: Search) {}

  static readonly current = Effect.map(HttpServerRequest.ParsedSearchParams, (search) => new Query(search))

  private one(name: string): string | undefined {
    const value = this.search[name]
    return typeof value === "string" ? value : value?.[value.length - 1]
  }

  string(name: string, maxLength = 2048): string | undefined {
    const value = this.one(name)
    if (value !== undefined && value.length > maxLength) {
      throw badRequest(`${name}: must be at most ${maxLength} characters`)
    }
    return value
  }

  int(name: string, min: number, max: number): number | undefined {
    const value = this.one(name)
    if (value === undefined || value === "") return undefined
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) {
      throw badRequest(`${name}: must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`)
    }
    return n
  }

  bool(name: string): boolean | undefined {
    const value = this.one(name)
    if (value === undefined || value === "") return undefined
    if (value !== "true" && value !== "false") throw badRequest(`${name}: must be true or false`)
    return value === "true"
  }

  list(name: string): ReadonlyArray<string> {
    const collect = (value: string | ReadonlyArray<string> | undefined) =>
      value === undefined ? [] : typeof value === "string" ? [value] : value
    return [...collect(this.search[name]), ...collect(this.search[`${name}[]`])].filter((item) => item !== "")
  }

  /** A parameter that must be given (and not empty). */
  required(name: string): string {
    const value = this.string(name)
    if (!value) throw badRequest(`${name}: is required`)
    return value
  }

  /** One id (`name`) and a list of them (`listName`) as one list, the one first. */
  ids(name: string, listName: string): ReadonlyArray<string> {
    const one = this.string(name)
    return [...(one ? [one] : []), ...this.list(listName)]
  }

  time(name: string, required: boolean): number | undefined {
    const value = this.one(name)
    if (value === undefined || value === "") {
      if (required) throw badRequest(`${name}: is required`)
      return undefined
    }
    const millis = Date.parse(value)
    if (Number.isNaN(millis)) throw badRequest(`${name}: must be an ISO 8601 date-time, got ${JSON.stringify(value)}`)
    return millis
  }

  keyMap(name: string): Record<string, string> | undefined {
    const raw = this.one(name)
    let keys: Record<string, unknown> | undefined
    if (raw !== undefined) {
      try {
        keys = JSON.parse(raw)
      } catch {
        throw badRequest(`${name}: must be a JSON object of key names to values`)
      }
    } else {
      for (const [param, value] of Object.entries(this.search)) {
        const match =
          param.startsWith(`${name}[`) && param.endsWith("]") ? [param, param.slice(name.length + 1, -1)] : null
        if (match?.[1] !== undefined && typeof value === "string") keys = { ...keys, [match[1]]: value }
      }
    }
    if (keys === undefined) return undefined
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) {
      throw badRequest(`${name}: must be a JSON object of key names to values`)
    }
    for (const [key, value] of Object.entries(keys)) {
      if (typeof value !== "string") throw badRequest(`${name}.${key}: must be a string`)
    }
    return keys as Record<string, string>
  }

  /** limit (0..250, default 100) and offset (>= 0, default 0). */
  page(): { limit: number; offset: number } {
    return { limit: this.int("limit", 0, 250) ?? 100, offset: this.int("offset", 0, Number.MAX_SAFE_INTEGER) ?? 0 }
  }
}

/** Runs parameter reading that may throw a SandboxError, as an Effect. */
export const readQuery = <A>(read: (query: Query) => A) =>
  Effect.flatMap(Query.current, (query) =>
    Effect.try({
      try: () => read(query),
      catch: (error) => (error instanceof SandboxError ? error : badRequest(String(error)))
    })
  )

/** A path parameter of the matched route, percent-decoded; "" when the route has no such parameter. */
export const pathId = (name: string) =>
  Effect.map(HttpRouter.params, (params) => decodeURIComponent(params[name] ?? ""))

/** Who sent the request, as Schematic echoes it in each event's answer. */
export const caller: Effect.Effect<Caller, never, HttpServerRequest.HttpServerRequest> = Effect.map(
  HttpServerRequest.HttpServerRequest,
  (request) => ({
    remoteIp: Option.getOrElse(request.remoteAddress, () => "127.0.0.1"),
    userAgent: request.headers["user-agent"] ?? ""
  })
)
