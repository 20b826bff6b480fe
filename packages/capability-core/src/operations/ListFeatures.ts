import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { FeatureView, featureView } from "../internal/catalogue.js"
import { present } from "../internal/present.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { Limit, Offset, Search } from "./inputs.js"

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
