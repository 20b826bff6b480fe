import { Effect } from "effect"
import { creditTypesById } from "../domain/credits.js"
import { rowsIn } from "../domain/tables.js"
import type { FeatureRow, PlanEntitlementRow, PlanRow } from "../rows.js"
import { renderCreditType } from "./credits.js"
import { createdAndUpdated, featureSummary, grantSummary, planSummary } from "./summaries.js"

/** Renders plan entitlements as `PlanEntitlementResponseData`, with their plan and feature. */
export const renderPlanEntitlements = (rows: ReadonlyArray<PlanEntitlementRow>) =>
  Effect.gen(function* () {
    if (rows.length === 0) return []
    const plans = yield* rowsIn<PlanRow>("plans")(rows, (row) => row.plan_id)
    const features = yield* rowsIn<FeatureRow>("features")(rows, (row) => row.feature_id)
    const credits = yield* creditTypesById([
      ...new Set(rows.flatMap((row) => (row.value_credit_id ? [row.value_credit_id] : [])))
    ])
    return rows.map((row) => {
      const credit = row.value_credit_id === null ? undefined : credits.get(row.value_credit_id)
      const plan = plans.find((item) => item.id === row.plan_id)
      const feature = features.find((item) => item.id === row.feature_id)
      return {
        id: row.id,
        plan_id: row.plan_id,
        ...grantSummary(row),
        rule_id: `rule_${row.id}`,
        rule_id_usage_exceeded:
          row.value_type === "numeric" || row.value_type === "credit" ? `rule_${row.id}_exceeded` : null,
        ...(credit === undefined ? {} : { value_credit: renderCreditType(credit) }),
        soft_limit: row.soft_limit,
        currency_prices: [],
        warning_tiers: [],
        ...(plan === undefined ? {} : { plan: planSummary(plan) }),
        ...(feature === undefined ? {} : { feature: featureSummary(feature) }),
        ...createdAndUpdated(row)
      }
    })
  })
