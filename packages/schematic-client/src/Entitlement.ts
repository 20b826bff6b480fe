/**
 * Entitlements as Schematic answers them: each feature a company may use with its usage and allocation
 * (`/feature-usage`), the companies that hold a feature (`/feature-companies`), a flag check for one company
 * (`/flags/{key}/check`), and what each plan grants (`/plan-entitlements`).
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { KeyMap, OptionalNullable, Page, Timestamp } from "./Common.js"
import { Company } from "./Company.js"
import {
  CompanyOverride,
  MetricPeriod,
  MetricPeriodMonthReset,
  ValueType,
  valueAnswerFields,
  valueFields
} from "./CompanyOverride.js"
import { FeatureType } from "./Feature.js"

const Flag = Schema.Struct({ id: Schema.String, key: Schema.String, name: Schema.String })

const FeatureSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  feature_type: FeatureType,
  event_subtype: OptionalNullable(Schema.String),
  flags: Schema.optional(Schema.Array(Flag))
})

const PlanSummary = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  plan_type: Schema.Literal("plan", "add_on")
})

/** One feature a company may use: where the entitlement comes from, its value, usage and period. */
export const FeatureUsage = Schema.Struct({
  access: Schema.Boolean,
  allocation: OptionalNullable(Schema.Number),
  allocation_type: ValueType,
  usage: OptionalNullable(Schema.Number),
  percent_used: OptionalNullable(Schema.Number),
  is_unlimited: OptionalNullable(Schema.Boolean),
  period: OptionalNullable(MetricPeriod),
  month_reset: OptionalNullable(MetricPeriodMonthReset),
  metric_reset_at: OptionalNullable(Timestamp),
  entitlement_id: Schema.String,
  entitlement_type: Schema.Literal("company_override", "plan_entitlement", "unknown"),
  entitlement_expiration_date: OptionalNullable(Timestamp),
  feature: Schema.optional(FeatureSummary),
  plan: Schema.optional(PlanSummary),
  company_override: Schema.optional(CompanyOverride)
})
export interface FeatureUsage extends Schema.Schema.Type<typeof FeatureUsage> {}

export const FeatureUsageParams = Schema.Struct({
  ...Page.fields,
  company_id: Schema.optional(Schema.String),
  company_keys: Schema.optional(KeyMap),
  feature_ids: Schema.optional(Schema.Array(Schema.String))
})
export interface FeatureUsageParams extends Schema.Schema.Type<typeof FeatureUsageParams> {}

/** A company holding a feature, with its usage against its allocation. */
export const FeatureCompany = Schema.Struct({ ...FeatureUsage.fields, company: Schema.optional(Company) })
export interface FeatureCompany extends Schema.Schema.Type<typeof FeatureCompany> {}

export const FeatureCompaniesParams = Schema.Struct({
  ...Page.fields,
  feature_id: Schema.String,
  q: Schema.optional(Schema.String)
})
export interface FeatureCompaniesParams extends Schema.Schema.Type<typeof FeatureCompaniesParams> {}

export const CheckFlagBody = Schema.Struct({
  company: Schema.optional(KeyMap),
  user: Schema.optional(KeyMap)
})
export interface CheckFlagBody extends Schema.Schema.Type<typeof CheckFlagBody> {}

/** The entitlement a flag check matched. */
export const CheckedEntitlement = Schema.Struct({
  feature_id: Schema.String,
  feature_key: Schema.String,
  value_type: ValueType,
  allocation: OptionalNullable(Schema.Number),
  usage: OptionalNullable(Schema.Number),
  metric_period: OptionalNullable(MetricPeriod),
  metric_reset_at: OptionalNullable(Timestamp),
  month_reset: OptionalNullable(MetricPeriodMonthReset),
  event_name: OptionalNullable(Schema.String),
  credit_id: OptionalNullable(Schema.String),
  consumption_rate: OptionalNullable(Schema.Number),
  credit_remaining: OptionalNullable(Schema.Number),
  credit_total: OptionalNullable(Schema.Number),
  credit_used: OptionalNullable(Schema.Number)
})

export const FlagCheck = Schema.Struct({
  flag: Schema.String,
  value: Schema.Boolean,
  reason: Schema.String,
  flag_id: OptionalNullable(Schema.String),
  company_id: OptionalNullable(Schema.String),
  user_id: OptionalNullable(Schema.String),
  rule_type: OptionalNullable(Schema.String),
  entitlement: Schema.optional(CheckedEntitlement)
})
export interface FlagCheck extends Schema.Schema.Type<typeof FlagCheck> {}

/** Body of `POST /flags/check-bulk`: up to 100 companies (or users), each checked against every flag. */
export const CheckFlagsBulkBody = Schema.Struct({
  contexts: Schema.Array(CheckFlagBody).pipe(Schema.minItems(1), Schema.maxItems(100))
})
export interface CheckFlagsBulkBody extends Schema.Schema.Type<typeof CheckFlagsBulkBody> {}

/** Every flag checked for one company (or user), with its plan and trial, and its credit balances. */
export const FlagChecks = Schema.Struct({
  flags: Schema.Array(FlagCheck),
  plan: Schema.optional(
    Schema.Struct({
      id: Schema.String,
      name: Schema.String,
      trial_end_date: OptionalNullable(Timestamp),
      trial_status: OptionalNullable(Schema.String)
    })
  ),
  credit_balances: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Unknown }))
})
export interface FlagChecks extends Schema.Schema.Type<typeof FlagChecks> {}

/** `POST /flags/check-bulk` answers `{data: {data: [...]}}`: one entry per context, `data` nested twice. */
export const FlagChecksBulk = Schema.Struct({ data: Schema.Array(FlagChecks) })
export interface FlagChecksBulk extends Schema.Schema.Type<typeof FlagChecksBulk> {}

/** What a plan (or add-on) grants of one feature. */
export const PlanEntitlement = Schema.Struct({
  id: Schema.String,
  plan_id: Schema.String,
  feature_id: Schema.String,
  ...valueAnswerFields,
  /** The credit type a credit entitlement draws on (answered for `value_credit_id`). */
  value_credit: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String })),
  feature: Schema.optional(FeatureSummary),
  plan: Schema.optional(PlanSummary)
})
export interface PlanEntitlement extends Schema.Schema.Type<typeof PlanEntitlement> {}

export const CreatePlanEntitlementBody = Schema.Struct({
  plan_id: Schema.String,
  feature_id: Schema.String,
  ...valueFields
})
export interface CreatePlanEntitlementBody extends Schema.Schema.Type<typeof CreatePlanEntitlementBody> {}

export const UpdatePlanEntitlementBody = Schema.Struct(valueFields)
export interface UpdatePlanEntitlementBody extends Schema.Schema.Type<typeof UpdatePlanEntitlementBody> {}

export const ListPlanEntitlementsParams = Schema.Struct({
  ...Page.fields,
  plan_id: Schema.optional(Schema.String),
  plan_ids: Schema.optional(Schema.Array(Schema.String)),
  feature_id: Schema.optional(Schema.String),
  feature_ids: Schema.optional(Schema.Array(Schema.String))
})
export interface ListPlanEntitlementsParams extends Schema.Schema.Type<typeof ListPlanEntitlementsParams> {}

export const ListFlagsParams = Schema.Struct({
  ...Page.fields,
  q: Schema.optional(Schema.String),
  feature_id: Schema.optional(Schema.String),
  ids: Schema.optional(Schema.Array(Schema.String))
})
export interface ListFlagsParams extends Schema.Schema.Type<typeof ListFlagsParams> {}

export const FlagDetail = Schema.Struct({
  id: Schema.String,
  key: Schema.String,
  name: Schema.String,
  feature_id: OptionalNullable(Schema.String),
  default_value: Schema.Boolean,
  feature: Schema.optional(FeatureSummary)
})
export interface FlagDetail extends Schema.Schema.Type<typeof FlagDetail> {}
