/**
 * Credits: credit types (a company's prepaid units, e.g. "AI credits"), the grants that give a company some, its
 * balances, and the ledger of grants, consumption and expiries. A credit-based entitlement consumes
 * `quantity × consumption_rate` credits for each unit of its feature's usage.
 *
 * @since 0.2.0
 */
import { Schema } from "effect"
import { OptionalNullable, Page, Timestamp } from "./Common.js"

export const BurnStrategy = Schema.Literal(
  "plan_first_then_credit_bundles_first_in_first_out",
  "first_in_first_out",
  "last_in_first_out",
  "expiration_priority"
)

export const CreditType = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  description: Schema.String,
  singular_name: OptionalNullable(Schema.String),
  plural_name: OptionalNullable(Schema.String),
  burn_strategy: Schema.String,
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface CreditType extends Schema.Schema.Type<typeof CreditType> {}

export const ListCreditTypesParams = Schema.Struct({
  ...Page.fields,
  ids: Schema.optional(Schema.Array(Schema.String)),
  name: Schema.optional(Schema.String)
})
export interface ListCreditTypesParams extends Schema.Schema.Type<typeof ListCreditTypesParams> {}

export const CreateCreditTypeBody = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  description: Schema.String.pipe(Schema.maxLength(1024)),
  currency: Schema.String.pipe(Schema.maxLength(3)),
  singular_name: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(512)))),
  plural_name: Schema.optional(Schema.NullOr(Schema.String.pipe(Schema.maxLength(512)))),
  burn_strategy: Schema.optional(Schema.NullOr(BurnStrategy))
})
export interface CreateCreditTypeBody extends Schema.Schema.Type<typeof CreateCreditTypeBody> {}

export const GrantReason = Schema.Literal(
  "adjustment",
  "billing_credit_auto_topup",
  "free",
  "plan",
  "purchased",
  "rollover"
)
export type GrantReason = typeof GrantReason.Type

export const GrantCreditsBody = Schema.Struct({
  company_id: Schema.String,
  credit_id: Schema.String,
  quantity: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1)),
  reason: GrantReason,
  expires_at: Schema.optional(Schema.NullOr(Timestamp))
})
export interface GrantCreditsBody extends Schema.Schema.Type<typeof GrantCreditsBody> {}

export const Grant = Schema.Struct({
  id: Schema.String,
  company_id: Schema.String,
  company_name: Schema.String,
  credit_id: Schema.String,
  credit_name: Schema.String,
  /** `reason` when the grant is made. */
  grant_reason: Schema.String,
  quantity: Schema.Number,
  quantity_remaining: Schema.Number,
  quantity_used: Schema.Number,
  source_label: Schema.String,
  valid_from: OptionalNullable(Timestamp),
  expires_at: OptionalNullable(Timestamp),
  zeroed_out_date: OptionalNullable(Timestamp),
  zeroed_out_reason: OptionalNullable(Schema.String),
  plan_id: OptionalNullable(Schema.String),
  plan_name: OptionalNullable(Schema.String),
  created_at: Timestamp,
  updated_at: Timestamp
})
export interface Grant extends Schema.Schema.Type<typeof Grant> {}

export const ListCompanyGrantsParams = Schema.Struct({
  ...Page.fields,
  company_id: Schema.String,
  order: Schema.optional(Schema.Literal("created_at", "expires_at", "quantity", "quantity_remaining")),
  dir: Schema.optional(Schema.Literal("asc", "desc"))
})
export interface ListCompanyGrantsParams extends Schema.Schema.Type<typeof ListCompanyGrantsParams> {}

/** A company's balance of one credit type: `remaining` is what it can draw now. */
export const Balance = Schema.Struct({
  credit_id: Schema.String,
  remaining: Schema.Number,
  reserved: Schema.Number,
  settled: Schema.Number,
  total: OptionalNullable(Schema.Number)
})
export interface Balance extends Schema.Schema.Type<typeof Balance> {}

export const EventType = Schema.Literal("grant", "transfer", "usage", "zero_out")

export const LedgerParams = Schema.Struct({
  ...Page.fields,
  company_id: Schema.String,
  billing_credit_id: Schema.optional(Schema.String),
  event_type: Schema.optional(EventType),
  feature_id: Schema.optional(Schema.String),
  start_time: Schema.optional(Timestamp),
  end_time: Schema.optional(Timestamp)
})
export interface LedgerParams extends Schema.Schema.Type<typeof LedgerParams> {}

/** One entry of a company's credit ledger: `amount` is signed (a grant adds, usage and expiry take away). */
export const LedgerEntry = Schema.Struct({
  event_id: Schema.String,
  event_type: Schema.String,
  event_at: Timestamp,
  amount: Schema.Number,
  billing_credit_id: Schema.String,
  credit_name: Schema.String,
  company_id: Schema.String,
  grant_id: OptionalNullable(Schema.String),
  grant_reason: OptionalNullable(Schema.String),
  feature_id: OptionalNullable(Schema.String),
  feature: Schema.optional(Schema.Struct({ id: Schema.String, name: Schema.String })),
  usage_event_id: OptionalNullable(Schema.String),
  usage_reason: OptionalNullable(Schema.String),
  zeroed_out_reason: OptionalNullable(Schema.String)
})
export interface LedgerEntry extends Schema.Schema.Type<typeof LedgerEntry> {}
