import { Schema } from "effect"
import * as CapabilityError from "../CapabilityError.js"
import { withSchematic } from "../internal/schematic.js"
import * as Operation from "../Operation.js"
import { EmptyInput } from "./inputs.js"

export const InsightsSummaryOutput = Schema.Struct({
  total_companies: Schema.Number,
  paid_companies: Schema.Number,
  total_plans: Schema.Number,
  total_features: Schema.Number,
  active_credits: Schema.Number,
  mrr: Schema.Array(
    Schema.Struct({
      amount: Schema.Number.annotations({ description: "Monthly recurring revenue in minor units (cents)" }),
      currency: Schema.String
    })
  )
})

export const getInsightsSummary = Operation.make({
  name: "get-insights-summary",
  title: "Get the insights summary",
  description: "Headline numbers: companies, paying ones, plans, features, monthly revenue. Example: {}",
  input: EmptyInput,
  output: InsightsSummaryOutput,
  hints: Operation.hints.readsSchematic,
  scope: "read",
  toolset: "insights",
  errors: CapabilityError.upstreamCodes,
  rest: { method: "GET", paths: ["/v1/insights/summary", "/v1/insights"], status: 200 },
  handler: () => withSchematic((client) => client.insights.summary())
})
