/**
 * Plans and features as the catalogue operations answer them: names beside ids, what a plan grants feature by
 * feature (with each feature's key and name), its prices and trial.
 */
import type { Entitlement, Feature, Plan, SchematicClient } from "@schematic-capability/schematic-client"
import { Effect, Schema } from "effect"
import type { CapabilityError } from "../CapabilityError.js"
import * as Views from "../Views.js"
import { withSchematic } from "./schematic.js"

export const PlanGrant = Schema.Struct({
  feature_id: Schema.String,
  feature_key: Schema.NullOr(Schema.String),
  feature_name: Schema.String,
  value_type: Schema.String.annotations({ description: "boolean, numeric, unlimited, trait or credit" }),
  value: Schema.NullOr(Views.Value),
  period: Schema.NullOr(Views.Period),
  credit: Schema.NullOr(
    Schema.Struct({
      id: Schema.String,
      name: Schema.String,
      consumption_rate: Schema.Number.annotations({ description: "Credits one unit of usage costs" })
    })
  ).annotations({ description: "For a credit-based grant: the credit type it draws on and at what rate" })
})
export type PlanGrant = typeof PlanGrant.Type

const PlanPrice = Schema.Struct({
  interval: Schema.String,
  amount: Schema.Number.annotations({ description: "Minor units (4900 is 49.00)" }),
  currency: Schema.String,
  price_id: Schema.NullOr(Schema.String).annotations({ description: "The billing system's price id" })
})

export const PlanDetail = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  type: Schema.Literal("plan", "add_on").annotations({ description: "plan: a base plan; add_on: bought on top" }),
  prices: Schema.Array(PlanPrice),
  trial_days: Schema.NullOr(Schema.Number).annotations({ description: "Days of trial, or null when it has none" }),
  company_count: Schema.Number.annotations({ description: "Companies on it" }),
  entitlements: Schema.Array(PlanGrant)
})
export type PlanDetail = typeof PlanDetail.Type

/** The keys and names of features by id, in one call. */
export const featureNames = (
  ids: ReadonlyArray<string>
): Effect.Effect<ReadonlyMap<string, Views.FeatureName>, CapabilityError, SchematicClient.SchematicClient> => {
  const wanted = [...new Set(ids)]
  if (wanted.length === 0) return Effect.succeed(new Map())
  return Effect.map(
    withSchematic((client) => client.features.list({ ids: wanted, limit: 250 })),
    (features) =>
      new Map(features.map((feature) => [feature.id, { key: Views.featureKey(feature.flags), name: feature.name }]))
  )
}

/** What a grant of a plan gives, with its feature's key and name. */
export const planGrant = (
  grant: Entitlement.PlanEntitlement,
  feature: { readonly key: string | null; readonly name: string } | undefined
): PlanGrant => ({
  feature_id: grant.feature_id,
  feature_key: feature?.key ?? null,
  feature_name: feature?.name ?? grant.feature?.name ?? grant.feature_id,
  value_type: grant.value_type,
  value: Views.grantValue(grant),
  period: grant.metric_period ?? null,
  credit:
    grant.value_type === "credit" && grant.value_credit !== undefined
      ? {
          id: grant.value_credit.id,
          name: grant.value_credit.name,
          consumption_rate: grant.consumption_rate ?? 1
        }
      : null
})

export const prices = (plan: Plan.Plan) =>
  (
    [
      ["month", plan.monthly_price],
      ["quarter", plan.quarterly_price],
      ["year", plan.yearly_price],
      ["one-time", plan.one_time_price]
    ] as const
  ).flatMap(([interval, price]) =>
    price === null || price === undefined
      ? []
      : [{ interval, amount: price.price, currency: price.currency, price_id: price.external_price_id ?? null }]
  )

/** A plan's own fields as the catalogue answers them, without what it grants. */
export const planSummary = (plan: Plan.Plan) => ({
  id: plan.id,
  name: plan.name,
  description: plan.description,
  type: plan.plan_type,
  prices: prices(plan),
  trial_days: plan.is_trialable ? (plan.trial_days ?? null) : null,
  company_count: plan.company_count
})

/** A plan (or add-on) with its prices, trial, companies and what it grants. */
export const planOf = (planId: string): Effect.Effect<PlanDetail, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.gen(function* () {
    const [plan, grants] = yield* Effect.all(
      [
        withSchematic((client) => client.plans.get(planId)),
        withSchematic((client) => client.planEntitlements.list({ plan_id: planId, limit: 250 }))
      ],
      { concurrency: 2 }
    )
    const known = new Map(
      plan.features.map((feature) => [
        String(feature.id),
        {
          key: Views.featureKey(feature.flags as ReadonlyArray<Record<string, unknown>> | undefined),
          name: String(feature.name)
        }
      ])
    )
    // Features the plan's answer leaves out (it lists its own), named in one call.
    const missing = [...new Set(grants.map((grant) => grant.feature_id).filter((id) => !known.has(id)))]
    if (missing.length > 0) {
      const features = yield* withSchematic((client) => client.features.list({ ids: missing, limit: 250 }))
      for (const feature of features)
        known.set(feature.id, { key: Views.featureKey(feature.flags), name: feature.name })
    }
    return {
      ...planSummary(plan),
      entitlements: grants.map((grant) => planGrant(grant, known.get(grant.feature_id)))
    }
  })

export const FeatureView = Schema.Struct({
  id: Schema.String,
  key: Schema.NullOr(Schema.String).annotations({ description: "Its flag key: what apps and checks name it by" }),
  name: Schema.String,
  description: Schema.String,
  type: Schema.String.annotations({
    description: "boolean (on/off), event (metered by events), trait (counted by a company trait) or license"
  }),
  event_name: Schema.NullOr(Schema.String).annotations({
    description: "For a metered feature: the event that meters it"
  }),
  trait: Schema.NullOr(Schema.String).annotations({ description: "For a trait feature: the trait that counts it" })
})

export const featureView = (feature: Feature.Feature): typeof FeatureView.Type => ({
  id: feature.id,
  key: Views.featureKey(feature.flags),
  name: feature.name,
  description: feature.description,
  type: feature.feature_type,
  event_name: feature.event_subtype ?? null,
  trait: feature.trait_id ?? null
})

export const FeatureDetail = Schema.Struct({
  ...FeatureView.fields,
  plans: Schema.Array(
    Schema.Struct({
      id: Schema.String,
      name: Schema.String,
      value_type: Schema.String,
      value: Schema.NullOr(Views.Value),
      period: Schema.NullOr(Views.Period),
      credit: PlanGrant.fields.credit
    })
  ).annotations({ description: "The plans and add-ons that grant it, and what each grants" }),
  override_count: Schema.Number.annotations({ description: "Companies with an override of it" })
})
export type FeatureDetail = typeof FeatureDetail.Type

/** A feature with its flag key, the plans that grant it (and what) and how many companies override it. */
export const featureOf = (
  featureId: string
): Effect.Effect<FeatureDetail, CapabilityError, SchematicClient.SchematicClient> =>
  Effect.gen(function* () {
    const [feature, grants, overrides] = yield* Effect.all(
      [
        withSchematic((client) => client.features.get(featureId)),
        withSchematic((client) => client.planEntitlements.list({ feature_id: featureId, limit: 250 })),
        withSchematic((client) => client.companyOverrides.count({ feature_id: featureId, without_expired: true }))
      ],
      { concurrency: 3 }
    )
    const planNames = new Map(feature.plans.map((plan) => [plan.id, plan.name]))
    return {
      ...featureView(feature),
      plans: grants.map((grant) => {
        const granted = planGrant(grant, undefined)
        return {
          id: grant.plan_id,
          name: grant.plan?.name ?? planNames.get(grant.plan_id) ?? grant.plan_id,
          value_type: granted.value_type,
          value: granted.value,
          period: granted.period,
          credit: granted.credit
        }
      }),
      override_count: overrides
    }
  })
