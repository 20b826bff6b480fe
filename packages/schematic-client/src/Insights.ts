/**
 * Insights: environment-wide summaries Schematic computes from companies, plans and usage.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OptionalNullable, Timestamp } from "./Common.js"

export const InsightsSummary = Schema.Struct({
  total_companies: Schema.Number,
  paid_companies: Schema.Number,
  total_plans: Schema.Number,
  total_features: Schema.Number,
  active_credits: Schema.Number,
  /** Monthly recurring revenue per currency, in minor units. */
  mrr: Schema.Array(Schema.Struct({ amount: Schema.Number, currency: Schema.String }))
})
export interface InsightsSummary extends Schema.Schema.Type<typeof InsightsSummary> {}

export const PlanGrowthParams = Schema.Struct({
  months: Schema.optional(Schema.Int.pipe(Schema.between(1, 24)))
})
export interface PlanGrowthParams extends Schema.Schema.Type<typeof PlanGrowthParams> {}

export const PlanGrowth = Schema.Struct({
  points: Schema.Array(
    Schema.Struct({ month: Timestamp, plan_id: Schema.String, plan_name: Schema.String, subscribers: Schema.Number })
  )
})
export interface PlanGrowth extends Schema.Schema.Type<typeof PlanGrowth> {}

export const TopFeaturesParams = Schema.Struct({
  start_time: Timestamp,
  end_time: Timestamp,
  limit: Schema.optional(Schema.Int.pipe(Schema.between(1, 20)))
})
export interface TopFeaturesParams extends Schema.Schema.Type<typeof TopFeaturesParams> {}

export const TopFeatures = Schema.Struct({
  features: Schema.Array(
    Schema.Struct({
      feature_id: Schema.String,
      feature_name: Schema.String,
      plural_name: OptionalNullable(Schema.String),
      usage: Schema.Number,
      prior_usage: Schema.Number,
      /** Percent change against the window of equal length before; null when there was no prior usage. */
      change_pct: OptionalNullable(Schema.Number)
    })
  )
})
export interface TopFeatures extends Schema.Schema.Type<typeof TopFeatures> {}
