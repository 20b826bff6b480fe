import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { PlanDetail, planOf } from "../internal/catalogue.js"
import * as Operation from "../Operation.js"
import { Id } from "./inputs.js"

export const GetPlanInput = Schema.Struct({ plan_id: Id("plan_", "plan or add-on") })

export const getPlan = Operation.make({
  name: "get-plan",
  title: "Get a plan",
  description:
    'A plan or add-on: what it grants per feature, prices, trial, companies. Example: {"plan_id": "plan_123"}',
  input: GetPlanInput,
  output: PlanDetail,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "catalogue",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/plans/{plan_id}"], status: 200 },
  handler: (input) => planOf(input.plan_id)
})
