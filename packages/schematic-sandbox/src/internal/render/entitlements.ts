import { type Entitlement, featureKey } from "../domain/entitlements.js"
import { ENVIRONMENT_ID, iso } from "../ids.js"

/** `FeatureEntitlement`, as a company and a flag check carry it. */
export const renderEntitlement = (entitlement: Entitlement) => ({
  feature_id: entitlement.feature.id,
  feature_key: featureKey(entitlement),
  value_type: entitlement.valueType,
  allocation: entitlement.allocation,
  usage: entitlement.usage,
  metric_period: entitlement.metricPeriod,
  metric_reset_at: iso(entitlement.resetAt),
  month_reset: entitlement.metricPeriod === "current_month" ? entitlement.monthReset : null,
  event_name: entitlement.feature.event_subtype,
  event_subtype: entitlement.feature.event_subtype,
  soft_limit: entitlement.softLimit,
  ...(entitlement.credit === undefined
    ? {}
    : {
        credit_id: entitlement.credit.creditId,
        consumption_rate: entitlement.credit.consumptionRate,
        credit_remaining: entitlement.credit.remaining,
        credit_reserved: 0,
        credit_settled: entitlement.credit.remaining,
        credit_total: entitlement.credit.total,
        credit_used: entitlement.credit.total - entitlement.credit.remaining
      })
})

/** `CompanyEventPeriodMetricsResponseData`: a metered entitlement's usage in its current period. */
export const renderMetric = (entitlement: Entitlement, now: number) => ({
  account_id: "acct_sandbox",
  environment_id: ENVIRONMENT_ID,
  company_id: entitlement.companyId,
  event_subtype: entitlement.feature.event_subtype!,
  period: entitlement.metricPeriod!,
  month_reset: entitlement.monthReset ?? "first_of_month",
  value: entitlement.usage ?? 0,
  captured_at_min: iso(entitlement.periodStart)!,
  captured_at_max: iso(now)!,
  valid_until: iso(entitlement.resetAt),
  created_at: iso(now)!
})
