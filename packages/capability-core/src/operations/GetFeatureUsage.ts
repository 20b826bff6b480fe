import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { entitlementsOf } from "../internal/entitlements.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { companyRefFields, exactlyOne } from "./inputs.js"

export const GetFeatureUsageInput = Schema.Struct(companyRefFields).pipe(
  Schema.filter(exactlyOne("company_id", "keys"))
)

export const GetFeatureUsageOutput = Schema.Struct({
  company_id: Schema.String,
  usage: Schema.Array(Views.Entitlement)
})

export const getFeatureUsage = Operation.make({
  name: "get-feature-usage",
  title: "Get a company's feature usage",
  description:
    'A company\'s usage of each feature against its allocation this period. Example: {"company_id": "comp_1"}',
  input: GetFeatureUsageInput,
  output: GetFeatureUsageOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "usage",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("GET", "/usage"),
  handler: (input) =>
    Effect.gen(function* () {
      const companyId = input.company_id ?? (yield* Resolve.company(input)).id
      return { company_id: companyId, usage: yield* entitlementsOf(companyId) }
    })
})
