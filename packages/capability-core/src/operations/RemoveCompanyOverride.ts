import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { entitlementTo } from "../internal/entitlements.js"
import { overrideOf } from "../internal/overrides.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { companyRefFields, exactlyOne, featureRefFields } from "./inputs.js"

export const RemoveCompanyOverrideInput = Schema.Struct({ ...companyRefFields, ...featureRefFields }).pipe(
  Schema.filter(exactlyOne("company_id", "keys")),
  Schema.filter(exactlyOne("feature_id", "feature_key"))
)

export const RemoveCompanyOverrideOutput = Schema.Struct({
  removed: Schema.Boolean.annotations({ description: "False when the company had no override for the feature" }),
  entitlement: Schema.NullOr(Views.Entitlement).annotations({
    description: "The company's entitlement to the feature now, from its plans (null when they grant none)"
  })
})

export const removeCompanyOverride = Operation.make({
  name: "remove-company-override",
  title: "Remove a company override",
  description:
    'Remove a company\'s override: its plans decide again. Example: {"company_id": "comp_1", "feature_key": "api-calls"}',
  input: RemoveCompanyOverrideInput,
  output: RemoveCompanyOverrideOutput,
  hints: Operation.hints.deletesSchematic,
  scope: "write",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("DELETE", "/overrides/{feature_id}"),
  handler: (input) =>
    Effect.gen(function* () {
      const { company, feature } = yield* Resolve.companyAndFeature(input)
      const existing = yield* overrideOf(company.id, feature.id)
      if (existing !== undefined) yield* withSchematic((client) => client.companyOverrides.delete(existing.id))
      return { removed: existing !== undefined, entitlement: yield* entitlementTo(company.id, feature.id) }
    })
})
