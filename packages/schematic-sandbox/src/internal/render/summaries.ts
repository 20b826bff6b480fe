/** The slim shapes Schematic nests in other answers, each from its row alone. */
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { CompanyRow, FeatureRow, GrantColumns, PlanRow } from "../rows.js"

/** The named columns of a row, as they are stored. */
const pick = <Row, Column extends keyof Row>(row: Row, columns: ReadonlyArray<Column>) =>
  Object.fromEntries(columns.map((column) => [column, row[column]])) as Pick<Row, Column>

/** When a row was created and last changed, as Schematic's answers give the two times. */
export const createdAndUpdated = (row: { readonly created_at: number; readonly updated_at: number }) => ({
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** `CompanyResponseData`, as nested in memberships and overrides. */
export const companySummary = (row: CompanyRow) => ({
  ...pick(row, ["id", "name"]),
  environment_id: ENVIRONMENT_ID,
  logo_url: row.logo_url,
  last_seen_at: iso(row.last_seen_at),
  ...createdAndUpdated(row)
})

/** `FeatureResponseData`: a feature without its flags and plans. */
export const featureSummary = (row: FeatureRow) => ({
  ...pick(row, [
    "id",
    "name",
    "description",
    "feature_type",
    "icon",
    "event_subtype",
    "trait_id",
    "singular_name",
    "plural_name"
  ]),
  ...createdAndUpdated(row)
})

/** `PlanResponseData`: a plan without prices or counts. */
export const planSummary = (plan: PlanRow) => ({
  ...pick(plan, ["id", "name", "description", "plan_type", "icon"]),
  ...createdAndUpdated(plan)
})

/**
 * What a plan entitlement or a company override grants, as both render it: the feature, its value over its metric
 * period, and the rate a use of the feature draws credits at.
 */
export const grantSummary = (
  row: GrantColumns & { readonly feature_id: string; readonly consumption_rate: number | null }
) => ({
  feature_id: row.feature_id,
  environment_id: ENVIRONMENT_ID,
  value_type: row.value_type,
  value_bool: row.value_bool === null ? null : row.value_bool === 1,
  value_numeric: row.value_numeric,
  value_trait_id: row.value_trait_id,
  metric_period: row.metric_period,
  metric_period_month_reset: row.metric_period_month_reset,
  consumption_rate: row.consumption_rate
})
