import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { companyDetail } from "../internal/entitlements.js"
import * as Resolve from "../internal/resolve.js"
import { companyRoute } from "../internal/routes.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import * as Views from "../Views.js"
import { companyRefFields, exactlyOne, Id } from "./inputs.js"

export const SetCompanyPlanInput = Schema.Struct({
  ...companyRefFields,
  base_plan_id: Schema.NullOr(Id("plan_", "base plan; null takes the company off its plan")),
  add_on_ids: Schema.optionalWith(
    Schema.Array(Id("plan_", "add-on")).pipe(Schema.maxItems(100)).annotations({
      description: "All its add-ons (those left out are removed); default none"
    }),
    { default: () => [] }
  )
}).pipe(Schema.filter(exactlyOne("company_id", "keys")))

export const setCompanyPlan = Operation.make({
  name: "set-company-plan",
  title: "Set a company's plan and add-ons",
  description:
    'Set a company\'s base plan and add-ons (the full list). Example: {"company_id": "comp_1", "base_plan_id": "plan_pro", "add_on_ids": []}',
  input: SetCompanyPlanInput,
  output: Views.CompanyDetail,
  hints: Operation.hints.upsertsSchematic,
  scope: "write",
  toolset: "companies",
  errors: CapabilityError.upstreamCodes,
  rest: companyRoute("PUT", "/plan"),
  handler: (input) =>
    Effect.gen(function* () {
      const company = yield* Resolve.company(input)
      const updated = yield* withSchematic((client) =>
        client.companies.updatePlans(company.id, { base_plan_id: input.base_plan_id, add_on_ids: input.add_on_ids })
      )
      return yield* companyDetail(updated)
    })
})
