import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { entitlementsOf } from "../internal/entitlements.js"
import * as Resolve from "../internal/resolve.js"
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
  rest: { method: "DELETE", paths: ["/v1/companies/{company_id}/overrides/{feature_id}", "/v1/companies/lookup/overrides/{feature_id}"], status: 200 },
  handler: (input) =>
    Effect.gen(function* () {
      const company = yield* Resolve.company(input)
      const feature = yield* Resolve.feature(input)
      const existing = yield* withSchematic((client) =>
        client.companyOverrides.list({ company_id: company.id, feature_id: feature.id, limit: 1 })
      )
      if (existing[0] !== undefined) yield* withSchematic((client) => client.companyOverrides.delete(existing[0]!.id))
      const entitlements = yield* entitlementsOf(company.id)
      return {
        removed: existing[0] !== undefined,
        entitlement: entitlements.find((item) => item.feature_id === feature.id) ?? null
      }
    })
})
