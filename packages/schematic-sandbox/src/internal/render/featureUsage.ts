import { Effect } from "effect"
import type { Entitlement } from "../domain/entitlements.js"
import { iso } from "../ids.js"
import { flagsOfFeatures } from "./flags.js"
import { renderOverrides } from "./overrides.js"
import { renderPlanEntitlements } from "./planEntitlements.js"
import { planSummary } from "./summaries.js"

/** The usage fields `FeatureUsageResponseData` and `FeatureCompanyResponseData` share, for each entitlement. */
export const renderUsage = (entitlements: ReadonlyArray<Entitlement>) =>
  Effect.gen(function* () {
    const overrides = yield* renderOverrides(entitlements.flatMap((item) => (item.override ? [item.override] : [])))
    const planEntitlements = yield* renderPlanEntitlements(
      entitlements.flatMap((item) => (item.planEntitlement ? [item.planEntitlement] : []))
    )
    const flags = yield* flagsOfFeatures([...new Set(entitlements.map((item) => item.feature.id))])
    return entitlements.map((entitlement) => {
      const { allocation, usage } = entitlement
      const limited = allocation !== null && usage !== null
      const override = overrides.find((item) => item.id === entitlement.override?.id)
      const planEntitlement = planEntitlements.find((item) => item.id === entitlement.planEntitlement?.id)
      return {
        access: entitlement.access,
        allocation,
        allocation_type: entitlement.valueType,
        usage,
        percent_used: limited && allocation > 0 ? Math.round((usage / allocation) * 10_000) / 100 : null,
        overuse: limited ? Math.max(0, usage - allocation) : null,
        effective_limit: allocation,
        soft_limit: entitlement.softLimit,
        has_valid_allocation:
          entitlement.valueType === "unlimited" || entitlement.valueType === "credit" || allocation !== null,
        is_unlimited: entitlement.valueType === "unlimited",
        period: entitlement.metricPeriod,
        month_reset: entitlement.metricPeriod === "current_month" ? entitlement.monthReset : null,
        metric_reset_at: iso(entitlement.resetAt),
        entitlement_id: entitlement.override?.id ?? entitlement.planEntitlement!.id,
        entitlement_type: entitlement.source === "company_override" ? "company_override" : "plan_entitlement",
        entitlement_source: entitlement.source === "company_override" ? "company_override" : "plan",
        entitlement_expiration_date: iso(entitlement.override?.expiration_date),
        ...(entitlement.credit === undefined
          ? {}
          : {
              credit_consumption_rate: entitlement.credit.consumptionRate,
              credit_remaining: entitlement.credit.remaining,
              credit_total: entitlement.credit.total,
              credit_used: entitlement.credit.total - entitlement.credit.remaining
            }),
        credit_grant_counts: {},
        credit_grant_details: [],
        feature: {
          ...entitlement.feature,
          flags: flags.get(entitlement.feature.id) ?? [],
          plans: [],
          created_at: iso(entitlement.feature.created_at),
          updated_at: iso(entitlement.feature.updated_at)
        },
        ...(entitlement.plan === undefined ? {} : { plan: planSummary(entitlement.plan) }),
        ...(override === undefined ? {} : { company_override: override }),
        ...(planEntitlement === undefined ? {} : { plan_entitlement: planEntitlement })
      }
    })
  })
