/**
 * The one failure type of every operation: a stable code (whose HTTP status and MCP rendering are in `table`), a
 * message for people, and for invalid input the path of each offending field.
 *
 * @since 0.1.0
 */

import type { SchematicError } from "@schematic-capability/schematic-client"
import { Duration, ParseResult, Schema } from "effect"

/**
 * The one table of failures: each code with the HTTP status it is answered with and how MCP renders it when it ends
 * a request before any tool runs (a JSON-RPC error code; inside a tool call every failure is an `isError` result that
 * leads with the code). Adapters, the OpenAPI document and the docs read their statuses from here; no call site
 * passes one.
 */
export const table = {
  invalid_input: { status: 400, jsonRpc: -32700, description: "The input was refused here (fields names each one)" },
  upstream_rejected: { status: 400, jsonRpc: -32000, description: "Schematic refused the request as invalid" },
  unauthorized: { status: 401, jsonRpc: -32000, description: "Missing or unknown bearer token" },
  forbidden: { status: 403, jsonRpc: -32000, description: "The token lacks the scope, or the host is not allowed" },
  upstream_forbidden: { status: 403, jsonRpc: -32000, description: "Schematic does not allow this with its key" },
  not_found: { status: 404, jsonRpc: -32000, description: "No such resource, route or tool" },
  method_not_allowed: { status: 405, jsonRpc: -32000, description: "The path does not take this method" },
  conflict: { status: 409, jsonRpc: -32000, description: "Conflicts with what Schematic holds" },
  payload_too_large: { status: 413, jsonRpc: -32000, description: "The request body is too large" },
  unsupported_media_type: { status: 415, jsonRpc: -32000, description: "The body is not application/json" },
  unprocessable: { status: 422, jsonRpc: -32000, description: "Schematic could not process the request" },
  rate_limited: { status: 429, jsonRpc: -32000, description: "Over a request budget; see Retry-After" },
  internal: { status: 500, jsonRpc: -32603, description: "A fault in this server (logged with the request id)" },
  upstream_unauthorized: { status: 502, jsonRpc: -32000, description: "Schematic refused the server's API key" },
  upstream_error: { status: 502, jsonRpc: -32000, description: "Schematic failed" },
  upstream_invalid_response: { status: 502, jsonRpc: -32000, description: "Schematic answered unexpectedly" },
  unavailable: { status: 503, jsonRpc: -32000, description: "Not ready, or shutting down; retry shortly" },
  upstream_unavailable: { status: 503, jsonRpc: -32000, description: "Schematic cannot be reached" },
  outbox_full: { status: 503, jsonRpc: -32000, description: "The event outbox is full; retry later" },
  storage_unavailable: { status: 503, jsonRpc: -32000, description: "The event store failed; nothing was stored" },
  upstream_timeout: { status: 504, jsonRpc: -32000, description: "Schematic did not answer in time" }
} as const satisfies Record<string, { readonly status: number; readonly jsonRpc: number; readonly description: string }>

export type ErrorCode = keyof typeof table

/** The codes as a schema (named apart from the type: the bundled .d.ts cannot carry both under one name). */
export const ErrorCodeSchema = Schema.Literal(...(Object.keys(table) as [ErrorCode, ...Array<ErrorCode>]))

/** The failures an operation that calls Schematic can give beyond its callers' own. */
export const upstreamCodes: ReadonlyArray<ErrorCode> = [
  "upstream_rejected",
  "upstream_forbidden",
  "not_found",
  "conflict",
  "unprocessable",
  "rate_limited",
  "upstream_unauthorized",
  "upstream_error",
  "upstream_invalid_response",
  "upstream_unavailable",
  "upstream_timeout"
]

/** The failures of handing events to an event sink: a durable one's, and a direct one's (Schematic's). */
export const sinkCodes: ReadonlyArray<ErrorCode> = [
  "outbox_full",
  "storage_unavailable",
  "unavailable",
  ...upstreamCodes
]

export const FieldIssue = Schema.Struct({
  path: Schema.String,
  message: Schema.String
})
export interface FieldIssue extends Schema.Schema.Type<typeof FieldIssue> {}

export class CapabilityError extends Schema.TaggedError<CapabilityError>()("CapabilityError", {
  code: ErrorCodeSchema,
  message: Schema.String,
  fields: Schema.optional(Schema.Array(FieldIssue)),
  retryAfterSeconds: Schema.optional(Schema.Number),
  /** For 401 and 403 on credentials: the `WWW-Authenticate` challenge (RFC 6750). */
  challenge: Schema.optional(Schema.String)
}) {
  /** The HTTP status of its code (see `table`). */
  get status(): number {
    return table[this.code].status
  }
}

/**
 * The issue with, at each union the value matched no member of, only the members it came closest to (the fewest
 * issues): a track event that names its company and has a bad event name is told of the event name, not also that
 * the shape without a company has no place for one.
 */
const closest = (issue: ParseResult.ParseIssue): ParseResult.ParseIssue => {
  switch (issue._tag) {
    case "Pointer":
      return new ParseResult.Pointer(issue.path, issue.actual, closest(issue.issue))
    case "Refinement":
      return new ParseResult.Refinement(issue.ast, issue.actual, issue.kind, closest(issue.issue))
    case "Transformation":
      return new ParseResult.Transformation(issue.ast, issue.actual, issue.kind, closest(issue.issue))
    case "Composite": {
      if (!Array.isArray(issue.issues)) {
        return new ParseResult.Composite(issue.ast, issue.actual, closest(issue.issues as ParseResult.ParseIssue))
      }
      let kept = (issue.issues as ReadonlyArray<ParseResult.ParseIssue>).map(closest)
      // Only unions of shapes: the `undefined` member of an optional field would always be the closest.
      const shapes = issue.ast._tag === "Union" && !issue.ast.types.some((type) => type._tag === "UndefinedKeyword")
      if (shapes && kept.length > 1) {
        const sizes = kept.map((member) => ParseResult.ArrayFormatter.formatIssueSync(member).length)
        const fewest = Math.min(...sizes)
        kept = kept.filter((_, index) => sizes[index] === fewest)
      }
      return new ParseResult.Composite(
        issue.ast,
        issue.actual,
        kept as [ParseResult.ParseIssue, ...Array<ParseResult.ParseIssue>]
      )
    }
    default:
      return issue
  }
}

/** Field issues an error carries at most; the message says how many more there were. */
export const MAX_FIELD_ISSUES = 20

/** The longest path and message of one field issue: a path can hold a caller's key, a message a caller's value. */
const MAX_PATH = 200
const MAX_ISSUE_MESSAGE = 400

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text)

/**
 * The field paths of a schema failure, `events.3.body.event` style, each path and message of bounded length (they can
 * echo what the caller sent).
 */
export const fieldIssues = (error: ParseResult.ParseError): ReadonlyArray<FieldIssue> => {
  // An optional field reports once per member of `T | undefined`; the first message is the useful one.
  const byPath = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatIssueSync(closest(error.issue))) {
    const path = clip(issue.path.map(String).join("."), MAX_PATH)
    if (!byPath.has(path)) byPath.set(path, clip(issue.message, MAX_ISSUE_MESSAGE))
  }
  return [...byPath].map(([path, message]) => ({ path, message }))
}

/**
 * An `invalid_input` failure naming the fields at fault: the first `MAX_FIELD_ISSUES`, and how many more there were,
 * so that however much a caller got wrong the answer stays small.
 */
export const invalidFields = (
  fields: ReadonlyArray<FieldIssue>,
  where = "input",
  /** Issues known to exist beyond `fields` (items not looked at once enough were found). */
  notListed = 0
): CapabilityError => {
  const shown = fields.slice(0, MAX_FIELD_ISSUES)
  const more = fields.length - shown.length + notListed
  return new CapabilityError({
    code: "invalid_input",
    message: `Invalid ${where}: ${shown.map((field) => `${field.path || "(root)"}: ${field.message}`).join("; ")}${
      more > 0 ? `; and ${more} more` : ""
    }`,
    fields: shown
  })
}

/**
 * The same failure, its message led by what had already been done when it happened (a write that went through
 * before the one that failed), so a caller knows what stands.
 */
export const after =
  (done: string) =>
  (error: CapabilityError): CapabilityError =>
    new CapabilityError({
      code: error.code,
      message: `${done}; then: ${error.message}`,
      ...(error.fields === undefined ? {} : { fields: error.fields }),
      ...(error.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: error.retryAfterSeconds })
    })

export const invalidInput = (error: ParseResult.ParseError, where = "input"): CapabilityError =>
  invalidFields(fieldIssues(error), where)

/**
 * Schematic's failures in the capability's terms. A problem with the request is the caller's to fix (4xx);
 * a problem with Schematic or with the server's own key is the gateway's (5xx).
 */
export const fromSchematic = (error: SchematicError.SchematicError): CapabilityError => {
  switch (error._tag) {
    case "SchematicInvalidRequest":
      return new CapabilityError({ code: "invalid_input", message: error.message })
    case "SchematicBadRequest":
      return new CapabilityError({
        code: error.status === 409 ? "conflict" : error.status === 422 ? "unprocessable" : "upstream_rejected",
        message: error.message
      })
    case "SchematicNotFound":
      return new CapabilityError({ code: "not_found", message: error.message })
    case "SchematicUnauthorized":
      return new CapabilityError({
        code: "upstream_unauthorized",
        message: "Schematic refused the server's API key; check SCHEMATIC_API_KEY"
      })
    case "SchematicForbidden":
      return new CapabilityError({
        code: "upstream_forbidden",
        message: `Schematic does not allow this with the server's API key: ${error.message}`
      })
    case "SchematicRateLimited":
      return new CapabilityError({
        code: "rate_limited",
        message: "Schematic's rate limit was reached; retry later",
        retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(Duration.millis(error.retryAfterMillis ?? 1000))))
      })
    case "SchematicUpstreamError":
      return new CapabilityError({ code: "upstream_error", message: `Schematic failed: ${error.message}` })
    case "SchematicTransportError":
      return error.reason === "Timeout"
        ? new CapabilityError({ code: "upstream_timeout", message: "Schematic did not answer in time" })
        : new CapabilityError({
            code: "upstream_unavailable",
            message: "Schematic could not be reached",
            retryAfterSeconds: 1
          })
    case "SchematicDecodeError":
      return new CapabilityError({
        code: "upstream_invalid_response",
        message: `Schematic answered something unexpected: ${error.message}`
      })
  }
}
