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
  monthly_price: OptionalNullable(Price),
  yearly_price: OptionalNullable(Price),
  features: Schema.Array(Schema.Record({ key: Schema.String, value: Schema.Unknown })),
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface Plan extends Schema.Schema.Type<typeof Plan> {}

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
