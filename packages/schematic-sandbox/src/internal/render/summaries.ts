/** The slim shapes Schematic nests in other answers, each from its row alone. */
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { CompanyRow, FeatureRow, GrantColumns, PlanRow } from "../rows.js"

/** `CompanyResponseData`, as nested in memberships and overrides. */
export const companySummary = (row: CompanyRow) => ({
  id: row.id,
  name: row.name,
  environment_id: ENVIRONMENT_ID,
  logo_url: row.logo_url,
  last_seen_at: iso(row.last_seen_at),
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** `FeatureResponseData`: a feature without its flags and plans. */
export const featureSummary = (row: FeatureRow) => ({
  id: row.id,
  name: row.name,
  description: row.description,
  feature_type: row.feature_type,
  icon: row.icon,
  event_subtype: row.event_subtype,
  trait_id: row.trait_id,
  singular_name: row.singular_name,
  plural_name: row.plural_name,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** `PlanResponseData`: a plan without prices or counts. */
export const planSummary = (plan: PlanRow) => ({
  id: plan.id,
  name: plan.name,
  description: plan.description,
  plan_type: plan.plan_type,
  icon: plan.icon,
  created_at: iso(plan.created_at),
  updated_at: iso(plan.updated_at)
})

/** The value a plan entitlement or a company override grants, as both render it. */
export const grantSummary = (row: GrantColumns) => ({
  value_type: row.value_type,
  value_bool: row.value_bool === null ? null : row.value_bool === 1,
  value_numeric: row.value_numeric,
  value_trait_id: row.value_trait_id,
  metric_period: row.metric_period,
  metric_period_month_reset: row.metric_period_month_reset
})
