import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { billingOf, CompanyBilling } from "../internal/billing.js"
import * as Resolve from "../internal/resolve.js"
import * as Operation from "../Operation.js"
import { companyRefFields, exactlyOne } from "./inputs.js"

export const GetCompanyBillingInput = Schema.Struct(companyRefFields).pipe(
  Schema.filter(exactlyOne("company_id", "keys"))
)

export const getCompanyBilling = Operation.make({
  name: "get-company-billing",
  title: "Get a company's billing",
  description: [
    "What a company pays and how: its billing customer (the billing system's ids, e.g. Stripe's cus_...), its",
    "subscription (status, interval, current period, trial end and whether the trial is active, converted or",
    "expired, cancel date, line items with prices), what it pays a month (mrr, minor units) and its credit balances.",
    "Use it for 'when does their trial end, what do they pay, how many credits are left'.",
    'Example: {"keys": {"stripe_customer_id": "cus_123"}}'
  ].join(" "),
  input: GetCompanyBillingInput,
  output: CompanyBilling,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "billing",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/companies/{company_id}/billing", "/v1/companies/lookup/billing"], status: 200 },
  handler: (input) => Effect.flatMap(Resolve.company(input), billingOf)
})
