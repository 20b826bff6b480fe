import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { billingOf, CompanyBilling } from "../internal/billing.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import * as Operation from "../Operation.js"
import { companyRefFields, exactlyOne } from "./inputs.js"

export const GetCompanyBillingInput = Schema.Struct(companyRefFields).pipe(
  Schema.filter(exactlyOne("company_id", "keys"))
)

export const getCompanyBilling = Operation.make({
  name: "get-company-billing",
  title: "Get a company's billing",
  description:
    'A company\'s billing: customer, subscription (status, period, trial end, items), monthly revenue, credits: "when does the trial end, what do they pay". Example: {"company_id": "comp_1"}',
  input: GetCompanyBillingInput,
  output: CompanyBilling,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "billing",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("GET", "/billing"),
  handler: (input) => Effect.flatMap(Resolve.company(input), billingOf)
})
