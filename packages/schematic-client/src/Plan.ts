/**
 * Plans and add-ons.
 *
 * @since 0.1.0
 */
import { Schema } from "effect"
import { OptionalNullable, Timestamp } from "./Common.js"
import { searchPageFields } from "./internal/fields.js"

export const PlanType = Schema.Literal("plan", "add_on")
export type PlanType = typeof PlanType.Type

export const PlanIcon = Schema.Literal(
  "amber",
  "blue",
  "blueGray",
  "blueGreen",
  "cyan",
  "emerald",
  "fuchsia",
  "gray",
  "green",
  "indigo",
  "lightBlue",
  "lime",
  "orange",
  "pink",
  "purple",
  "red",
  "redOrange",
  "rose",
  "sky",
  "slate",
  "teal",
  "trueGray",
  "violet",
  "warmGray",
  "yellow"
)

export const Price = Schema.Struct({
  id: Schema.String,
  /** The billing system's id of the price (Stripe's `price_...`). */
  external_price_id: Schema.optional(Schema.String),
  /** Minor units (cents). */
  price: Schema.Number,
  currency: Schema.String,
  interval: Schema.String,
  interval_count: Schema.Number
})
export interface Price extends Schema.Schema.Type<typeof Price> {}

export const Plan = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  plan_type: PlanType,
  icon: Schema.String,
  company_count: Schema.Number,
  is_default: Schema.Boolean,
  is_trialable: Schema.Boolean,
  charge_type: Schema.String,
  billing_strategy: Schema.String,
  trial_days: OptionalNullable(Schema.Number),
  monthly_price: OptionalNullable(Price),
  quarterly_price: OptionalNullable(Price),
  yearly_price: OptionalNullable(Price),
  one_time_price: OptionalNullable(Price),
  features: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface Plan extends Schema.Schema.Type<typeof Plan> {}

export const ChargeType = Schema.Literal("free", "none", "one_time", "recurring")

/** Body of `PUT /plans/{plan_id}/billing_products`: a plan's billing product, prices and trial. */
export const UpsertPlanBillingBody = Schema.Struct({
  charge_type: ChargeType,
  is_trialable: Schema.Boolean,
  trial_days: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.nonNegative()))),
  billing_product_id: Schema.optional(Schema.NullOr(Schema.String)),
  currency: Schema.optional(Schema.NullOr(Schema.String)),
  monthly_price: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.nonNegative()))),
  monthly_price_id: Schema.optional(Schema.NullOr(Schema.String)),
  yearly_price: Schema.optional(Schema.NullOr(Schema.Int.pipe(Schema.nonNegative()))),
  yearly_price_id: Schema.optional(Schema.NullOr(Schema.String))
})
export interface UpsertPlanBillingBody extends Schema.Schema.Type<typeof UpsertPlanBillingBody> {}

export const PlanBilling = Schema.Struct({
  plan_id: Schema.String,
  billing_product_id: Schema.String,
  charge_type: Schema.String,
  is_trialable: Schema.Boolean,
  trial_days: OptionalNullable(Schema.Number),
  monthly_price_id: OptionalNullable(Schema.String),
  yearly_price_id: OptionalNullable(Schema.String)
})
export interface PlanBilling extends Schema.Schema.Type<typeof PlanBilling> {}

export const ListPlansParams = Schema.Struct({
  ...searchPageFields(Schema.String),
  plan_type: Schema.optional(PlanType),
  company_id: Schema.optional(Schema.String)
})
export interface ListPlansParams extends Schema.Schema.Type<typeof ListPlansParams> {}

export const CreatePlanBody = Schema.Struct({
  name: Schema.NonEmptyString.pipe(Schema.maxLength(256)),
  plan_type: PlanType,
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(1024))),
  icon: Schema.optional(Schema.NullOr(PlanIcon))
})
export interface CreatePlanBody extends Schema.Schema.Type<typeof CreatePlanBody> {}
