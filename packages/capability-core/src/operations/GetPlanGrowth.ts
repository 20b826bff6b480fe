import { Effect, Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { OptionalWholeNumber } from "./inputs.js"

export const PlanGrowthInput = Schema.Struct({
  months: OptionalWholeNumber("How many months back", 1, 24, 6)
})

export const PlanGrowthOutput = Schema.Struct({
  points: Schema.Array(
    Schema.Struct({
      month: Schema.String.annotations({ description: "First day of the month (UTC)" }),
      plan_id: Schema.String,
      plan_name: Schema.String,
      subscribers: Schema.Number
    })
  )
})

export const getPlanGrowth = Operation.make({
  name: "get-plan-growth",
  title: "Get plan growth",
  description: 'Companies on each plan at each month\'s end: which plans grow. Example: {"months": 12}',
  input: PlanGrowthInput,
  output: PlanGrowthOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "insights",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/insights/plan-growth"], status: 200 },
  handler: (input) =>
    withSchematic((client) => client.insights.planGrowth({ months: input.months })).pipe(
      Effect.map((growth) => ({ points: growth.points }))
    )
})
