import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { companyDetail } from "../internal/entitlements.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { companyRefFields, exactlyOne } from "./inputs.js"

export const GetCompanyInput = Schema.Struct(companyRefFields).pipe(Schema.filter(exactlyOne("company_id", "keys")))

export const getCompany = Operation.make({
  name: "get-company",
  title: "Get a company",
  description:
    'A company with its plan and entitlements (value, usage, allocation, reset, source): "what plan is Acme on, what may it use". Example: {"keys": {"stripe_customer_id": "cus_1"}}',
  input: GetCompanyInput,
  output: Views.CompanyDetail,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("GET", ""),
  handler: (input) => Effect.flatMap(Resolve.company(input), companyDetail)
})
