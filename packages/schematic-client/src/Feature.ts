/**
 * Features: what plans entitle companies to. An `event` feature is metered by the track events whose
 * name equals its `event_subtype`.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OptionalNullable, Preview, Timestamp } from "./Common.js"
import { searchPageFields } from "./internal/fields.js"

export const FeatureType = Schema.Literal("boolean", "event", "license", "trait")
export type FeatureType = typeof FeatureType.Type

export const Feature = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  feature_type: FeatureType,
  icon: Schema.String,
  event_subtype: OptionalNullable(Schema.String),
  trait_id: OptionalNullable(Schema.String),
  singular_name: OptionalNullable(Schema.String),
  plural_name: OptionalNullable(Schema.String),
  flags: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  plans: Schema.Array(Preview),
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface Feature extends Schema.Schema.Type<typeof Feature> {}

export const ListFeaturesParams = Schema.Struct({
  ...searchPageFields(Schema.String),
  feature_type: Schema.optional(Schema.Array(FeatureType))
})
export interface ListFeaturesParams extends Schema.Schema.Type<typeof ListFeaturesParams> {}

export const CreateFeatureBody = Schema.Struct({
  name: Schema.NonEmptyString.pipe(Schema.maxLength(512)),
  description: Schema.String.pipe(Schema.maxLength(1024)),
  feature_type: FeatureType,
  event_subtype: Schema.optional(Schema.NullOr(Schema.String)),
  icon: Schema.optional(Schema.NullOr(Schema.String)),
  trait_id: Schema.optional(Schema.NullOr(Schema.String)),
  singular_name: Schema.optional(Schema.NullOr(Schema.String)),
  plural_name: Schema.optional(Schema.NullOr(Schema.String)),
  /** The feature's flag, created with it: its key is how apps and flag checks name the feature. */
  flag: Schema.optional(
    Schema.Struct({
      key: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
      name: Schema.String.pipe(Schema.maxLength(512)),
      description: Schema.String.pipe(Schema.maxLength(1024)),
      default_value: Schema.Boolean,
      flag_type: Schema.Literal("boolean")
    })
  )
})
export interface CreateFeatureBody extends Schema.Schema.Type<typeof CreateFeatureBody> {}
