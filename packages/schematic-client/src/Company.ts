/**
 * Companies: your customers' accounts.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { SubscriptionView } from "./Billing.js"
import { EntityKey, OptionalNullable, Preview, Timestamp, Traits } from "./Common.js"
import { entityFields, searchPageFields, upsertFields } from "./internal/fields.js"

export const CompanyPlan = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  added_on: OptionalNullable(Timestamp),
  plan_price: OptionalNullable(Schema.Number),
  plan_period: OptionalNullable(Schema.String),
  plan_version_id: OptionalNullable(Schema.String)
})
export interface CompanyPlan extends Schema.Schema.Type<typeof CompanyPlan> {}

/** The slim company shape nested in other resources. */
export const CompanySummary = Schema.Struct({
  ...entityFields,
  logo_url: OptionalNullable(Schema.String)
})
export interface CompanySummary extends Schema.Schema.Type<typeof CompanySummary> {}

export const Company = Schema.Struct({
  ...CompanySummary.fields,
  keys: Schema.Array(EntityKey),
  traits: Schema.optional(Traits),
  user_count: Schema.Number,
  plan: OptionalNullable(CompanyPlan),
  plans: Schema.Array(Preview),
  add_ons: Schema.Array(CompanyPlan),
  entitlements: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  metrics: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  /** Its main subscription in the billing system, when it has one. */
  billing_subscription: Schema.optional(SubscriptionView),
  /** Credits it can draw now, by credit type id. */
  billing_credit_balances: OptionalNullable(Schema.Record({ key: Schema.String, value: Schema.Number }))
})
export interface Company extends Schema.Schema.Type<typeof Company> {}

export const ListCompaniesParams = Schema.Struct({
  ...searchPageFields(Schema.String.pipe(Schema.maxLength(512))),
  plan_id: Schema.optional(Schema.String),
  plan_ids: Schema.optional(Schema.Array(Schema.String)),
  without_plan: Schema.optional(Schema.Boolean),
  subscription_statuses: Schema.optional(Schema.Array(Schema.String)),
  credit_type_ids: Schema.optional(Schema.Array(Schema.String))
})
export interface ListCompaniesParams extends Schema.Schema.Type<typeof ListCompaniesParams> {}

export const CountCompaniesParams = ListCompaniesParams.omit("limit", "offset")
export interface CountCompaniesParams extends Schema.Schema.Type<typeof CountCompaniesParams> {}

export const UpsertCompanyBody = Schema.Struct({
  ...upsertFields(256),
  prevent_key_remap: Schema.optional(Schema.NullOr(Schema.Boolean)),
  remove_keys: Schema.optional(Schema.Array(Schema.String)),
  base_plan_id: Schema.optional(Schema.NullOr(Schema.String)),
  base_plan_price_id: Schema.optional(Schema.NullOr(Schema.String))
})
export interface UpsertCompanyBody extends Schema.Schema.Type<typeof UpsertCompanyBody> {}

export const DeleteCompanyParams = Schema.Struct({
  cancel_subscription: Schema.optional(Schema.Boolean),
  prorate: Schema.optional(Schema.Boolean)
})
export interface DeleteCompanyParams extends Schema.Schema.Type<typeof DeleteCompanyParams> {}

/** Body of `PUT /company-plans/{company_id}`: the base plan and the full list of add-ons. */
export const UpdateCompanyPlansBody = Schema.Struct({
  base_plan_id: Schema.optional(Schema.NullOr(Schema.String)),
  add_on_ids: Schema.Array(Schema.String)
})
export interface UpdateCompanyPlansBody extends Schema.Schema.Type<typeof UpdateCompanyPlansBody> {}
