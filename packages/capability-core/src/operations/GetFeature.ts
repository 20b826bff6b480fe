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
  description: [
    "One feature by its id or flag key: its type (on/off, metered by an event, counted by a trait), the event or",
    "trait behind it, the plans and add-ons that grant it and what each grants, and how many companies have an",
    "override of it. Use it to answer 'which plans include SSO' or before set-plan-entitlements.",
    'Example: {"feature_key": "sso"}'
  ].join(" "),
  input: GetFeatureInput,
  output: FeatureDetail,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/features/{feature_id}"], status: 200 },
  handler: (input) => Effect.flatMap(Resolve.feature(input), (feature) => featureOf(feature.id))
})
