import type { Feature } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Limit, Offset, Search } from "./inputs.js"

export const FeatureView = Schema.Struct({
  id: Schema.String,
  key: Schema.NullOr(Schema.String).annotations({ description: "Its flag key: what apps and checks name it by" }),
  name: Schema.String,
  description: Schema.String,
  type: Schema.String.annotations({
    description: "boolean (on/off), event (metered by events), trait (counted by a company trait)"
  }),
  event_name: Schema.NullOr(Schema.String).annotations({
    description: "For event features: the track event that meters it"
  }),
  trait: Schema.NullOr(Schema.String).annotations({ description: "For trait features: the trait that counts it" })
})

export const featureView = (feature: Feature.Feature): typeof FeatureView.Type => {
  return {
    id: feature.id,
    key: Views.featureKey(feature.flags),
    name: feature.name,
    description: feature.description,
    type: feature.feature_type,
    event_name: feature.event_subtype ?? null,
    trait: feature.trait_id ?? null
  }
}

export const ListFeaturesInput = Schema.Struct({
  limit: Limit,
  offset: Offset,
  q: Search,
  type: Schema.optional(
    Schema.Literal("boolean", "event", "trait").annotations({ description: "Only features of this type" })
  )
})

export const ListFeaturesOutput = Schema.Struct({ features: Schema.Array(FeatureView), pagination: Views.Pagination })

export const listFeatures = Operation.make({
  name: "list-features",
  title: "List features",
  description: 'List features with their type, key (what apps check) and event. Example: {"type": "event"}',
  input: ListFeaturesInput,
  output: ListFeaturesOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/features"], status: 200 },
  handler: (input) =>
    withSchematic((client) =>
      client.features.list({
        limit: input.limit,
        offset: input.offset,
        ...present({ q: input.q, feature_type: input.type === undefined ? undefined : [input.type] })
      })
    ).pipe(
      Effect.map((rows) => ({
        features: rows.map(featureView),
        pagination: Views.pagination(input.limit, input.offset, rows.length)
      }))
    )
})
