/**
 * Wire shapes shared by several resources.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"

/** An ISO 8601 timestamp as Schematic sends it. Kept as text so it reaches callers unchanged. */
export const Timestamp = Schema.String.annotations({ description: "ISO 8601 date-time" })

/** A nullable field that may also be absent. */
export const OptionalNullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

/**
 * Your own identifiers for a company or user, e.g. `{ "stripe_customer_id": "cus_123" }`.
 * Requests take them as a map (at most 100 entries); responses return them as a list of {@link EntityKey}.
 */
export const KeyMap = Schema.Record({ key: Schema.String, value: Schema.String }).pipe(
  // Stated in JSON Schema too, so a request holding keys is checked by the compiled check (see `validate`).
  Schema.filter((keys) => Object.keys(keys).length <= 100 || "at most 100 keys", { jsonSchema: { maxProperties: 100 } })
)
export type KeyMap = typeof KeyMap.Type

/** Free-form traits: trait name to any JSON value. */
export const Traits = Schema.Record({ key: Schema.String, value: Schema.Unknown })
export type Traits = typeof Traits.Type

export const EntityKey = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  value: Schema.String,
  entity_type: Schema.Literal("company", "user"),
  entity_id: Schema.String,
  definition_id: Schema.String,
  environment_id: Schema.String,
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface EntityKey extends Schema.Schema.Type<typeof EntityKey> {}

export const Preview = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: OptionalNullable(Schema.String),
  image_url: OptionalNullable(Schema.String)
})
export interface Preview extends Schema.Schema.Type<typeof Preview> {}

export const Count = Schema.Struct({ count: Schema.Number })
export interface Count extends Schema.Schema.Type<typeof Count> {}

export const Deleted = Schema.Struct({ deleted: Schema.Boolean })
export interface Deleted extends Schema.Schema.Type<typeof Deleted> {}

/** Offset pagination as Schematic does it: `limit` 0..250 (default 100), `offset` in rows. */
export const Page = Schema.Struct({
  limit: Schema.optional(Schema.Int.pipe(Schema.between(0, 250))),
  offset: Schema.optional(Schema.Int.pipe(Schema.nonNegative()))
})
export interface Page extends Schema.Schema.Type<typeof Page> {}

/** The largest page Schematic serves. */
export const MAX_PAGE_SIZE = 250
