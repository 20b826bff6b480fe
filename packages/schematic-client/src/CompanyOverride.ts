/**
 * Company overrides: a company-level entitlement for one feature that beats what its plan grants.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OptionalNullable, Page, Timestamp } from "./Common.js"

export const ValueType = Schema.Literal("boolean", "credit", "numeric", "trait", "unknown", "unlimited")
export type ValueType = typeof ValueType.Type

export const MetricPeriod = Schema.Literal("all_time", "current_day", "current_month", "current_week")
export const MetricPeriodMonthReset = Schema.Literal("billing_cycle", "first_of_month")

export const OverrideNote = Schema.Struct({
  id: Schema.String,
  note: Schema.String,
  created_at: Timestamp,
  updated_at: Timestamp
})

/** The value an override or a plan entitlement gives a feature, as Schematic answers it. */
export const valueAnswerFields = {
  value_type: ValueType,
  value_bool: OptionalNullable(Schema.Boolean),
  value_numeric: OptionalNullable(Schema.Number),
  value_trait_id: OptionalNullable(Schema.String),
  metric_period: OptionalNullable(MetricPeriod),
  metric_period_month_reset: OptionalNullable(MetricPeriodMonthReset),
  /** Credits one unit of usage costs (answered for `credit_consumption_rate`). */
  consumption_rate: OptionalNullable(Schema.Number)
}

export const CompanyOverride = Schema.Struct({
  id: Schema.String,
  company_id: Schema.String,
  feature_id: Schema.String,
  environment_id: Schema.String,
  ...valueAnswerFields,
  expiration_date: OptionalNullable(Timestamp),
  notes: Schema.Array(OverrideNote),
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface CompanyOverride extends Schema.Schema.Type<typeof CompanyOverride> {}

export const ListCompanyOverridesParams = Schema.Struct({
  ...Page.fields,
  company_id: Schema.optional(Schema.String),
  company_ids: Schema.optional(Schema.Array(Schema.String)),
  feature_id: Schema.optional(Schema.String),
  feature_ids: Schema.optional(Schema.Array(Schema.String)),
  ids: Schema.optional(Schema.Array(Schema.String)),
  without_expired: Schema.optional(Schema.Boolean),
  q: Schema.optional(Schema.String)
})
export interface ListCompanyOverridesParams extends Schema.Schema.Type<typeof ListCompanyOverridesParams> {}

export const CountCompanyOverridesParams = ListCompanyOverridesParams.omit("limit", "offset")
export interface CountCompanyOverridesParams extends Schema.Schema.Type<typeof CountCompanyOverridesParams> {}

/** The value an override or a plan entitlement gives a feature, as Schematic's write bodies take it. */
export const valueFields = {
  value_type: ValueType,
  value_bool: Schema.optional(Schema.NullOr(Schema.Boolean)),
  value_numeric: Schema.optional(Schema.NullOr(Schema.Int)),
  value_trait_id: Schema.optional(Schema.NullOr(Schema.String)),
  value_credit_id: Schema.optional(Schema.NullOr(Schema.String)),
  credit_consumption_rate: Schema.optional(Schema.NullOr(Schema.Number)),
  metric_period: Schema.optional(Schema.NullOr(MetricPeriod)),
  metric_period_month_reset: Schema.optional(Schema.NullOr(MetricPeriodMonthReset))
}

const OverrideValue = {
  ...valueFields,
  expiration_date: Schema.optional(Schema.NullOr(Timestamp)),
  note: Schema.optional(Schema.NullOr(Schema.String))
}

export const CreateCompanyOverrideBody = Schema.Struct({
  company_id: Schema.NonEmptyString,
  feature_id: Schema.NonEmptyString,
  ...OverrideValue
})
export interface CreateCompanyOverrideBody extends Schema.Schema.Type<typeof CreateCompanyOverrideBody> {}

export const UpdateCompanyOverrideBody = Schema.Struct(OverrideValue)
export interface UpdateCompanyOverrideBody extends Schema.Schema.Type<typeof UpdateCompanyOverrideBody> {}
