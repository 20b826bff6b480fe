import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { FeatureDetail, featureOf } from "../internal/catalogue.js"
import * as Resolve from "../internal/resolve.js"
import * as Operation from "../Operation.js"
import { exactlyOne, featureRefFields } from "./inputs.js"

export const GetFeatureInput = Schema.Struct(featureRefFields).pipe(
  Schema.filter(exactlyOne("feature_id", "feature_key"))
)

export const getFeature = Operation.make({
  name: "get-feature",
  title: "Get a feature",
  description: 'A feature: type, event or trait, the plans granting it, overrides. Example: {"feature_key": "sso"}',
  input: GetFeatureInput,
  output: FeatureDetail,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/features/{feature_id}"], status: 200 },
  handler: (input) => Effect.flatMap(Resolve.feature(input), (feature) => featureOf(feature.id))
})
