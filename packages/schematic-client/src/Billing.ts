/**
 * Schematic's copy of a billing system's objects (Stripe, Orb, Metronome): customers, subscriptions with their line
 * items and trials, products and prices. Every write is an upsert keyed by the billing system's own id. Money is in
 * minor units (cents); a subscription's times are Unix seconds.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { OptionalNullable, Page, Timestamp } from "./Common.js"

export const ProviderType = Schema.Literal("metronome", "orb", "schematic", "stripe")
export type ProviderType = typeof ProviderType.Type

export const UsageType = Schema.Literal("licensed", "metered")
export type UsageType = typeof UsageType.Type

/** Unix seconds, as Schematic takes and answers a subscription's times. */
const Seconds = Schema.Int

export const UpsertCustomerBody = Schema.Struct({
  external_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  email: Schema.String.pipe(Schema.maxLength(255)),
  name: Schema.String.pipe(Schema.maxLength(255)),
  /** The billing system's metadata for the customer. */
  meta: Schema.Record({ key: Schema.String, value: Schema.String }),
  company_id: Schema.optional(Schema.NullOr(Schema.String)),
  provider_type: Schema.optional(Schema.NullOr(ProviderType))
})
export interface UpsertCustomerBody extends Schema.Schema.Type<typeof UpsertCustomerBody> {}

export const Customer = Schema.Struct({
  id: Schema.String,
  external_id: Schema.String,
  email: Schema.String,
  name: Schema.String,
  provider_type: Schema.String,
  company_id: OptionalNullable(Schema.String),
  deleted_at: OptionalNullable(Timestamp),
  updated_at: Timestamp
})
export interface Customer extends Schema.Schema.Type<typeof Customer> {}

export const ListCustomersParams = Schema.Struct({
  ...Page.fields,
  company_ids: Schema.optional(Schema.Array(Schema.String)),
  q: Schema.optional(Schema.String),
  name: Schema.optional(Schema.String),
  provider_type: Schema.optional(ProviderType)
})
export interface ListCustomersParams extends Schema.Schema.Type<typeof ListCustomersParams> {}

/** A subscription's line item: a product at a price, so many of it. */
export const LineItem = Schema.Struct({
  product_external_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  price_external_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  price: Schema.Int,
  currency: Schema.String.pipe(Schema.maxLength(3)),
  interval: Schema.String.pipe(Schema.maxLength(255)),
  quantity: Schema.Int,
  usage_type: UsageType,
  subscription_item_external_id: Schema.optional(Schema.NullOr(Schema.String))
})
export interface LineItem extends Schema.Schema.Type<typeof LineItem> {}

export const UpsertSubscriptionBody = Schema.Struct({
  subscription_external_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  customer_external_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  company_id: Schema.optional(Schema.NullOr(Schema.String)),
  currency: Schema.String.pipe(Schema.maxLength(3)),
  total_price: Schema.Int,
  cancel_at_period_end: Schema.Boolean,
  discounts: Schema.Array(Schema.Unknown),
  /** Required, and not nullable, even for a subscription that has not ended (Schematic's quirk). */
  expired_at: Timestamp,
  product_external_ids: Schema.Array(LineItem),
  status: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(255)))),
  interval: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(255)))),
  period_start: Schema.optional(Schema.NullOr(Seconds)),
  period_end: Schema.optional(Schema.NullOr(Seconds)),
  trial_end: Schema.optional(Schema.NullOr(Seconds)),
  trial_end_setting: Schema.optional(Schema.NullOr(Schema.Literal("cancel", "subscribe"))),
  cancel_at: Schema.optional(Schema.NullOr(Seconds)),
  provider_type: Schema.optional(Schema.NullOr(ProviderType))
})
export interface UpsertSubscriptionBody extends Schema.Schema.Type<typeof UpsertSubscriptionBody> {}

const subscriptionFields = {
  id: Schema.String,
  subscription_external_id: Schema.String,
  customer_external_id: Schema.String,
  company_id: OptionalNullable(Schema.String),
  status: Schema.String,
  currency: Schema.String,
  interval: Schema.String,
  total_price: Schema.Number,
  period_start: Schema.Number,
  period_end: Schema.Number,
  cancel_at_period_end: Schema.Boolean,
  cancel_at: OptionalNullable(Schema.Number),
  trial_end: OptionalNullable(Schema.Number),
  trial_end_setting: OptionalNullable(Schema.String),
  expired_at: OptionalNullable(Timestamp),
  provider_type: Schema.String,
  created_at: Timestamp
}

export const Subscription = Schema.Struct(subscriptionFields)
export interface Subscription extends Schema.Schema.Type<typeof Subscription> {}

/** A line item as a subscription on a company shows it. */
export const SubscriptionProduct = Schema.Struct({
  id: Schema.String,
  external_id: Schema.String,
  name: Schema.String,
  price_id: Schema.String,
  price_external_id: Schema.String,
  price: Schema.Number,
  currency: Schema.String,
  interval: Schema.String,
  quantity: Schema.Number,
  usage_type: Schema.String
})
export interface SubscriptionProduct extends Schema.Schema.Type<typeof SubscriptionProduct> {}

/** A subscription as a company carries it (`billing_subscription`): with its line items. */
export const SubscriptionView = Schema.Struct({
  ...subscriptionFields,
  products: Schema.Array(SubscriptionProduct)
})
export interface SubscriptionView extends Schema.Schema.Type<typeof SubscriptionView> {}

export const UpsertProductBody = Schema.Struct({
  external_id: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  /** The product's price (a double: Schematic's one exception to minor units). */
  price: Schema.Number,
  name: Schema.optional(Schema.NullOr(Schema.String)),
  is_active: Schema.optional(Schema.NullOr(Schema.Boolean)),
  provider_type: Schema.optional(Schema.NullOr(ProviderType))
})
export interface UpsertProductBody extends Schema.Schema.Type<typeof UpsertProductBody> {}

export const Product = Schema.Struct({
  product_id: Schema.String,
  external_id: Schema.String,
  name: Schema.String,
  price: Schema.Number,
  is_active: Schema.Boolean,
  provider_type: Schema.String
})
export interface Product extends Schema.Schema.Type<typeof Product> {}
