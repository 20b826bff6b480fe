/**
 * Request bodies as Schematic's spec defines them. The sandbox checks them on its own, independently of
 * any client, so a client's mistake shows up here as it would upstream.
 */
import { Schema } from "effect"

const nullable = <S extends Schema.Schema.Any>(schema: S) => Schema.optional(Schema.NullOr(schema))

const DateTime = Schema.String.pipe(
  Schema.filter((value) => !Number.isNaN(Date.parse(value)) || "must be an ISO 8601 date-time")
)

export const KeyMap = Schema.Record({ key: Schema.String, value: Schema.String }).pipe(
  Schema.filter((keys) => {
    const count = Object.keys(keys).length
    if (count > 100) return "must have at most 100 keys"
    return (
      Object.entries(keys).every(([key, value]) => key.length > 0 && value.length > 0) ||
      "keys and values must not be empty"
    )
  })
)

const RequiredKeyMap = KeyMap.pipe(
  Schema.filter((keys) => Object.keys(keys).length > 0 || "must have at least one key")
)

const Traits = Schema.Record({ key: Schema.String, value: Schema.Unknown })

/** The fields both key-map upserts (company and user) start with; only the longest name differs. */
const upsertFields = (maxName: number) => ({
  keys: RequiredKeyMap,
  name: nullable(Schema.String.pipe(Schema.maxLength(maxName))),
  traits: Schema.optional(Traits),
  id: nullable(Schema.String),
  last_seen_at: nullable(DateTime),
  update_only: nullable(Schema.Boolean)
})

export const UpsertCompany = Schema.Struct({
  ...upsertFields(256),
  prevent_key_remap: nullable(Schema.Boolean),
  remove_keys: Schema.optional(Schema.Array(Schema.String)),
  base_plan_id: nullable(Schema.String),
  base_plan_price_id: nullable(Schema.String)
})

export const UpsertUser = Schema.Struct({
  ...upsertFields(255),
  remove_keys: Schema.optional(Schema.Array(Schema.String)),
  company: nullable(RequiredKeyMap),
  companies: Schema.optional(Schema.Array(RequiredKeyMap)),
  company_id: nullable(Schema.String),
  company_ids: Schema.optional(Schema.Array(Schema.String))
})

export const TrackBody = Schema.Struct({
  event: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  company: Schema.optional(KeyMap),
  user: Schema.optional(KeyMap),
  quantity: Schema.optional(Schema.Int),
  traits: Schema.optional(Traits),
  lease_id: Schema.optional(Schema.String)
})

/** Empty user keys with a company identify the company alone (how a company-only sync travels). */
export const IdentifyBody = Schema.Struct({
  keys: KeyMap,
  name: Schema.optional(Schema.String),
  traits: Schema.optional(Traits),
  company: Schema.optional(
    Schema.Struct({ keys: RequiredKeyMap, name: Schema.optional(Schema.String), traits: Schema.optional(Traits) })
  )
}).pipe(
  Schema.filter(
    (body) =>
      Object.keys(body.keys).length > 0 ||
      body.company !== undefined || { path: ["keys"], message: "must have at least one key, unless a company is given" }
  )
)

export const FlagCheckBody = Schema.Struct({
  flag_key: Schema.String,
  value: Schema.Boolean,
  reason: Schema.String
})

export const InferenceBody = Schema.Struct({
  company: KeyMap,
  provider: Schema.String,
  response_model: Schema.String,
  input_tokens: Schema.Int,
  output_tokens: Schema.Int
})

const envelope = {
  idempotency_key: nullable(Schema.String.pipe(Schema.maxLength(255))),
  sent_at: nullable(DateTime),
  trusted_client_clock: nullable(Schema.Boolean),
  backfill: nullable(Schema.Boolean)
}

export const CreateEvent = Schema.Union(
  Schema.Struct({ event_type: Schema.Literal("track"), body: TrackBody, ...envelope }),
  Schema.Struct({ event_type: Schema.Literal("identify"), body: IdentifyBody, ...envelope }),
  Schema.Struct({ event_type: Schema.Literal("flag_check"), body: FlagCheckBody, ...envelope }),
  Schema.Struct({ event_type: Schema.Literal("inference"), body: InferenceBody, ...envelope })
)
export type CreateEvent = typeof CreateEvent.Type

export const CreateEventBatch = Schema.Struct({
  events: Schema.Array(CreateEvent).pipe(
    Schema.filter((events) => events.length <= 1000 || `must have at most 1000 events, got ${events.length}`)
  )
})

export const FeatureType = Schema.Literal("boolean", "event", "license", "trait")

/** A flag's key: what apps and the SDK name a feature by. */
const FlagKey = Schema.String.pipe(
  Schema.minLength(1),
  Schema.maxLength(512),
  Schema.pattern(/^[A-Za-z0-9_.:-]+$/, { message: () => "must be letters, digits, '_', '-', '.' or ':'" })
)

export const CreateFlag = Schema.Struct({
  key: FlagKey,
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
  description: Schema.String.pipe(Schema.maxLength(1024)),
  flag_type: Schema.Literal("boolean"),
  default_value: Schema.Boolean,
  feature_id: nullable(Schema.String)
})
export type CreateFlag = typeof CreateFlag.Type

const featureFields = {
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(512)),
  description: Schema.String.pipe(Schema.maxLength(1024)),
  feature_type: FeatureType,
  event_subtype: nullable(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))),
  icon: nullable(Schema.String),
  trait_id: nullable(Schema.String),
  singular_name: nullable(Schema.String),
  plural_name: nullable(Schema.String),
  flag: Schema.optional(CreateFlag.pipe(Schema.omit("feature_id")))
}

export const CreateFeature = Schema.Struct(featureFields)
export type CreateFeature = typeof CreateFeature.Type

export const UpdateFeature = Schema.Struct({
  name: Schema.optional(featureFields.name),
  description: Schema.optional(featureFields.description),
  feature_type: Schema.optional(FeatureType),
  event_subtype: featureFields.event_subtype,
  icon: featureFields.icon,
  trait_id: featureFields.trait_id,
  singular_name: featureFields.singular_name,
  plural_name: featureFields.plural_name,
  flag: featureFields.flag
})

export const PlanType = Schema.Literal("plan", "add_on")

export const CreatePlan = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(256)),
  plan_type: PlanType,
  description: Schema.optional(Schema.String.pipe(Schema.maxLength(1024))),
  icon: nullable(Schema.String),
  /** Sandbox extension: list prices in minor units, so insights have revenue to report. */
  monthly_price: nullable(Schema.Int.pipe(Schema.nonNegative())),
  yearly_price: nullable(Schema.Int.pipe(Schema.nonNegative())),
  currency: nullable(Schema.String.pipe(Schema.pattern(/^[a-z]{3}$/)))
})

export const UpdateCompanyPlans = Schema.Struct({
  base_plan_id: nullable(Schema.String),
  add_on_ids: Schema.Array(Schema.String)
})

const ValueType = Schema.Literal("boolean", "credit", "numeric", "trait", "unknown", "unlimited")
const MetricPeriod = Schema.Literal("all_time", "current_day", "current_month", "current_week")
const MonthReset = Schema.Literal("billing_cycle", "first_of_month")

const entitlementValue = {
  value_type: ValueType,
  value_bool: nullable(Schema.Boolean),
  value_numeric: nullable(Schema.Int),
  value_trait_id: nullable(Schema.String),
  metric_period: nullable(MetricPeriod),
  metric_period_month_reset: nullable(MonthReset),
  soft_limit: nullable(Schema.Int),
  value_credit_id: nullable(Schema.String),
  credit_consumption_rate: nullable(Schema.Number)
}

export const CreatePlanEntitlement = Schema.Struct({
  plan_id: Schema.String.pipe(Schema.minLength(1)),
  feature_id: Schema.String.pipe(Schema.minLength(1)),
  ...entitlementValue
})

export const UpdatePlanEntitlement = Schema.Struct(entitlementValue)
export type EntitlementValue = typeof UpdatePlanEntitlement.Type

/** `POST /flags/{key}/check` and `POST /flags/check`: who is asking, by keys. */
export const CheckFlag = Schema.Struct({
  company: nullable(KeyMap),
  user: nullable(KeyMap)
})

/** `POST /flags/check-bulk`: 1 to 100 contexts, each checked like `POST /flags/check`. */
export const CheckFlagsBulk = Schema.Struct({
  contexts: Schema.Array(CheckFlag).pipe(
    Schema.filter((contexts) =>
      contexts.length < 1 || contexts.length > 100 ? `must have 1 to 100 contexts, got ${contexts.length}` : true
    )
  )
})

/** What the official SDK posts to the capture service's `/batch`: events named by `type`, not `event_type`. */
export const CaptureBatch = Schema.Struct({
  events: Schema.Array(
    Schema.Struct({
      type: Schema.Literal("track", "identify", "flag_check", "inference"),
      body: Schema.Unknown,
      api_key: Schema.optional(Schema.String),
      ...envelope
    })
  ).pipe(Schema.filter((events) => events.length <= 1000 || `must have at most 1000 events, got ${events.length}`))
})

const overrideValue = {
  value_type: ValueType,
  value_bool: nullable(Schema.Boolean),
  value_numeric: nullable(Schema.Int),
  value_trait_id: nullable(Schema.String),
  value_credit_id: nullable(Schema.String),
  credit_consumption_rate: nullable(Schema.Number),
  metric_period: nullable(MetricPeriod),
  metric_period_month_reset: nullable(MonthReset),
  expiration_date: nullable(DateTime),
  note: nullable(Schema.String.pipe(Schema.maxLength(4096)))
}

export const CreateCompanyOverride = Schema.Struct({
  company_id: Schema.String.pipe(Schema.minLength(1)),
  feature_id: Schema.String.pipe(Schema.minLength(1)),
  ...overrideValue
})

export const UpdateCompanyOverride = Schema.Struct(overrideValue)

export const ProviderType = Schema.Literal("metronome", "orb", "schematic", "stripe")

const ExternalId = Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255))

/** Epoch seconds, as Schematic carries subscription times; never negative. */
const Seconds = Schema.Int.pipe(Schema.nonNegative())

export const UpsertBillingCustomer = Schema.Struct({
  external_id: ExternalId,
  email: Schema.String.pipe(Schema.maxLength(255)),
  name: Schema.String.pipe(Schema.maxLength(255)),
  meta: Schema.Record({ key: Schema.String, value: Schema.String }),
  company_id: nullable(Schema.String),
  default_payment_method_id: nullable(Schema.String),
  provider_type: nullable(ProviderType)
})

const LineItem = Schema.Struct({
  product_external_id: ExternalId,
  price_external_id: ExternalId,
  price: Schema.Int.pipe(Schema.nonNegative()),
  currency: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(3)),
  interval: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  quantity: Schema.Int.pipe(Schema.nonNegative()),
  usage_type: Schema.Literal("licensed", "metered"),
  subscription_item_external_id: nullable(Schema.String)
})

export const UpsertBillingSubscription = Schema.Struct({
  subscription_external_id: ExternalId,
  customer_external_id: ExternalId,
  company_id: nullable(Schema.String),
  currency: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(3)),
  total_price: Schema.Int.pipe(Schema.nonNegative()),
  cancel_at_period_end: Schema.Boolean,
  discounts: Schema.Array(Schema.Unknown),
  expired_at: DateTime,
  product_external_ids: Schema.Array(LineItem).pipe(Schema.maxItems(100)),
  status: nullable(Schema.String.pipe(Schema.maxLength(255))),
  interval: nullable(Schema.String.pipe(Schema.maxLength(255))),
  period_start: nullable(Seconds),
  period_end: nullable(Seconds),
  trial_end: nullable(Seconds),
  trial_end_setting: nullable(Schema.Literal("cancel", "subscribe")),
  cancel_at: nullable(Seconds),
  provider_type: nullable(ProviderType)
})
export type UpsertBillingSubscription = typeof UpsertBillingSubscription.Type

export const UpsertBillingProduct = Schema.Struct({
  external_id: ExternalId,
  price: Schema.Number.pipe(Schema.nonNegative()),
  name: nullable(Schema.String.pipe(Schema.maxLength(255))),
  is_active: nullable(Schema.Boolean),
  provider_type: nullable(ProviderType)
})

export const BurnStrategy = Schema.Literal(
  "plan_first_then_credit_bundles_first_in_first_out",
  "first_in_first_out",
  "last_in_first_out",
  "expiration_priority"
)

export const CreateCreditType = Schema.Struct({
  name: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(255)),
  description: Schema.String.pipe(Schema.maxLength(1024)),
  currency: Schema.String.pipe(Schema.minLength(1), Schema.maxLength(3)),
  singular_name: nullable(Schema.String.pipe(Schema.maxLength(512))),
  plural_name: nullable(Schema.String.pipe(Schema.maxLength(512))),
  burn_strategy: nullable(BurnStrategy)
})

export const GrantReason = Schema.Literal(
  "adjustment",
  "billing_credit_auto_topup",
  "free",
  "plan",
  "purchased",
  "rollover"
)

export const GrantCompanyCredits = Schema.Struct({
  company_id: Schema.String.pipe(Schema.minLength(1)),
  credit_id: Schema.String.pipe(Schema.minLength(1)),
  quantity: Schema.Int.pipe(Schema.greaterThanOrEqualTo(1), Schema.lessThanOrEqualTo(9_999_999_999)),
  reason: GrantReason,
  expires_at: nullable(DateTime),
  currency: nullable(Schema.String)
})

/** `PUT /plans/{plan_id}/billing_products`: the plan's billing product, its prices (by amount or by id) and trial. */
export const UpsertPlanBilling = Schema.Struct({
  charge_type: Schema.Literal("free", "none", "one_time", "recurring"),
  is_trialable: Schema.Boolean,
  trial_days: nullable(Schema.Int.pipe(Schema.between(0, 3650))),
  billing_product_id: nullable(Schema.String),
  currency: nullable(Schema.String.pipe(Schema.pattern(/^[a-z]{3}$/))),
  monthly_price: nullable(Schema.Int.pipe(Schema.nonNegative())),
  monthly_price_id: nullable(Schema.String),
  yearly_price: nullable(Schema.Int.pipe(Schema.nonNegative())),
  yearly_price_id: nullable(Schema.String)
})
