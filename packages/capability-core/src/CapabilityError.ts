/**
 * The one failure type of every operation, with a stable code, the HTTP status adapters answer with, and for
 * invalid input the path of each offending field.
 *
 * @since 0.1.0
 */

import type { SchematicError } from "@schematic-capability/schematic-client"
import { Duration, ParseResult, Schema } from "effect"

export const ErrorCode = Schema.Literal(
  "invalid_input",
  "upstream_rejected",
  "unauthorized",
  "forbidden",
  "not_found",
  "conflict",
  "unprocessable",
  "rate_limited",
  "payload_too_large",
  "unsupported_media_type",
  "upstream_unauthorized",
  "upstream_forbidden",
  "upstream_error",
  "upstream_invalid_response",
  "upstream_unavailable",
  "upstream_timeout",
  "unavailable",
  "outbox_full",
  "internal"
)
export type ErrorCode = typeof ErrorCode.Type

export const FieldIssue = Schema.Struct({
  path: Schema.String,
  message: Schema.String
})
export interface FieldIssue extends Schema.Schema.Type<typeof FieldIssue> {}

export class CapabilityError extends Schema.TaggedError<CapabilityError>()("CapabilityError", {
  code: ErrorCode,
  status: Schema.Number,
  message: Schema.String,
  fields: Schema.optional(Schema.Array(FieldIssue)),
  retryAfterSeconds: Schema.optional(Schema.Number),
  /** For 401 and 403 on credentials: the `WWW-Authenticate` challenge (RFC 6750). */
  challenge: Schema.optional(Schema.String)
}) {}

/** The field paths of a schema failure, `events.3.body.event` style. */
export const fieldIssues = (error: ParseResult.ParseError): ReadonlyArray<FieldIssue> => {
  // An optional field reports once per member of `T | undefined`; the first message is the useful one.
  const byPath = new Map<string, string>()
  for (const issue of ParseResult.ArrayFormatter.formatErrorSync(error)) {
    const path = issue.path.map(String).join(".")
    if (!byPath.has(path)) byPath.set(path, issue.message)
  }
  return [...byPath].map(([path, message]) => ({ path, message }))
}

export const invalidInput = (error: ParseResult.ParseError, where = "input"): CapabilityError => {
  const fields = fieldIssues(error)
  return new CapabilityError({
    code: "invalid_input",
    status: 400,
    message: `Invalid ${where}: ${fields.map((field) => `${field.path || "(root)"}: ${field.message}`).join("; ")}`,
    fields
  })
}

/**
 * Schematic's failures in the capability's terms. A problem with the request is the caller's to fix (4xx);
 * a problem with Schematic or with the server's own key is the gateway's (5xx).
 */
export const fromSchematic = (error: SchematicError.SchematicError): CapabilityError => {
  switch (error._tag) {
    case "SchematicBadRequest": {
      const code: ErrorCode =
        error.status === 409 ? "conflict" : error.status === 422 ? "unprocessable" : "upstream_rejected"
      return new CapabilityError({
        code,
        status: error.status === 409 || error.status === 422 ? error.status : 400,
        message: error.message
      })
    }
    case "SchematicNotFound":
      return new CapabilityError({ code: "not_found", status: 404, message: error.message })
    case "SchematicUnauthorized":
      return new CapabilityError({
        code: "upstream_unauthorized",
        status: 502,
        message: "Schematic refused the server's API key; check SCHEMATIC_API_KEY"
      })
    case "SchematicForbidden":
      return new CapabilityError({
        code: "upstream_forbidden",
        status: 403,
        message: `Schematic does not allow this with the server's API key: ${error.message}`
      })
    case "SchematicRateLimited":
      return new CapabilityError({
        code: "rate_limited",
        status: 429,
        message: "Schematic's rate limit was reached; retry later",
        retryAfterSeconds: Math.max(1, Math.ceil(Duration.toSeconds(Duration.millis(error.retryAfterMillis ?? 1000))))
      })
    case "SchematicUpstreamError":
      return new CapabilityError({ code: "upstream_error", status: 502, message: `Schematic failed: ${error.message}` })
    case "SchematicTransportError":
      return error.reason === "Timeout"
        ? new CapabilityError({ code: "upstream_timeout", status: 504, message: "Schematic did not answer in time" })
        : new CapabilityError({
            code: "upstream_unavailable",
            status: 503,
            message: "Schematic could not be reached",
            retryAfterSeconds: 1
          })
    case "SchematicDecodeError":
      return new CapabilityError({
        code: "upstream_invalid_response",
        status: 502,
        message: `Schematic answered something unexpected: ${error.message}`
      })
  }
}
