/**
 * The typed failures of a Schematic call. Every failure of the client is one of these.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/**
 * The client refused the request before sending it: it breaks Schematic's published rules (a field too long, too
 * many events). Nothing was sent.
 */
export class SchematicInvalidRequest extends Schema.TaggedError<SchematicInvalidRequest>()("SchematicInvalidRequest", {
  message: Schema.String
}) {}

/** Upstream refused the request as invalid: 400, 409, 422. */
export class SchematicBadRequest extends Schema.TaggedError<SchematicBadRequest>()("SchematicBadRequest", {
  status: Schema.Number,
  message: Schema.String
}) {}

/** 401: the API key is missing or wrong. */
export class SchematicUnauthorized extends Schema.TaggedError<SchematicUnauthorized>()("SchematicUnauthorized", {
  message: Schema.String
}) {}

/** 403: the key may not do this (a read-only or publishable key, say). */
export class SchematicForbidden extends Schema.TaggedError<SchematicForbidden>()("SchematicForbidden", {
  message: Schema.String
}) {}

/** 404: no such resource. */
export class SchematicNotFound extends Schema.TaggedError<SchematicNotFound>()("SchematicNotFound", {
  message: Schema.String
}) {}

/** 429 after the retries ran out; `retryAfterMillis` is what upstream asked for last. */
export class SchematicRateLimited extends Schema.TaggedError<SchematicRateLimited>()("SchematicRateLimited", {
  message: Schema.String,
  retryAfterMillis: Schema.optional(Schema.Number)
}) {}

/** Upstream failed: 5xx, or 408. */
export class SchematicUpstreamError extends Schema.TaggedError<SchematicUpstreamError>()("SchematicUpstreamError", {
  status: Schema.Number,
  message: Schema.String
}) {}

/**
 * The request did not get an answer. `Connect`: the connection was never made, so nothing reached upstream.
 * `Connection`: it broke after sending started. `Timeout`: no answer in time.
 */
export class SchematicTransportError extends Schema.TaggedError<SchematicTransportError>()("SchematicTransportError", {
  reason: Schema.Literal("Connect", "Connection", "Timeout"),
  message: Schema.String
}) {}

/** Upstream answered with something the client did not expect; `message` says where. */
export class SchematicDecodeError extends Schema.TaggedError<SchematicDecodeError>()("SchematicDecodeError", {
  method: Schema.String,
  path: Schema.String,
  message: Schema.String
}) {}

export type SchematicError =
  | SchematicInvalidRequest
  | SchematicBadRequest
  | SchematicUnauthorized
  | SchematicForbidden
  | SchematicNotFound
  | SchematicRateLimited
  | SchematicUpstreamError
  | SchematicTransportError
  | SchematicDecodeError

/** All failures as one schema (named apart from the type: the bundled .d.ts cannot carry both under one name). */
export const SchematicErrorSchema: Schema.Union<
  [
    typeof SchematicInvalidRequest,
    typeof SchematicBadRequest,
    typeof SchematicUnauthorized,
    typeof SchematicForbidden,
    typeof SchematicNotFound,
    typeof SchematicRateLimited,
    typeof SchematicUpstreamError,
    typeof SchematicTransportError,
    typeof SchematicDecodeError
  ]
> = Schema.Union(
  SchematicInvalidRequest,
  SchematicBadRequest,
  SchematicUnauthorized,
  SchematicForbidden,
  SchematicNotFound,
  SchematicRateLimited,
  SchematicUpstreamError,
  SchematicTransportError,
  SchematicDecodeError
)
