/**
 * The rows of the sandbox's SQLite tables (see `SandboxStore`), as queries return them: times in epoch
 * milliseconds, booleans as 0 or 1, traits and event bodies as JSON text.
 */

export interface CompanyRow {
  readonly id: string
  readonly name: string
  readonly traits: string
  readonly logo_url: string | null
  readonly last_seen_at: number | null
  readonly base_plan_id: string | null
  readonly base_plan_added_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

export interface UserRow {
  readonly id: string
  readonly name: string
  readonly traits: string
  readonly last_seen_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

/** A user's membership of a company. */
export interface MembershipRow {
  readonly id: string
  readonly company_id: string
  readonly user_id: string
  readonly created_at: number
  readonly updated_at: number
}

/** One key of a company or user (`entity_keys`). */
export interface KeyRow {
  readonly id: string
  readonly entity_id: string
  readonly key: string
  readonly value: string
  readonly created_at: number
  readonly updated_at: number
}

export interface FeatureRow {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly feature_type: string
  readonly icon: string
  readonly event_subtype: string | null
  readonly trait_id: string | null
  readonly singular_name: string | null
  readonly plural_name: string | null
  readonly created_at: number
  readonly updated_at: number
}

export interface FlagRow {
  readonly id: string
  readonly key: string
  readonly name: string
  readonly description: string
  readonly flag_type: string
  readonly default_value: number
  readonly feature_id: string | null
  readonly last_checked_at: number | null
  readonly created_at: number
  readonly updated_at: number
}

export interface PlanRow {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly plan_type: "plan" | "add_on"
  readonly icon: string
  readonly monthly_price: number | null
  readonly yearly_price: number | null
  readonly currency: string
  readonly is_trialable: number
  readonly trial_days: number | null
  readonly charge_type: string | null
  readonly billing_product_id: string | null
  readonly monthly_price_id: string | null
  readonly yearly_price_id: string | null
  readonly created_at: number
  readonly updated_at: number
}

/** What a plan entitlement and a company override both grant: a value of a type, over a metric period. */
export interface GrantColumns {
  readonly value_type: string
  readonly value_bool: number | null
  readonly value_numeric: number | null
  readonly value_trait_id: string | null
  readonly metric_period: string | null
  readonly metric_period_month_reset: string | null
}

export interface PlanEntitlementRow extends GrantColumns {
  readonly id: string
  readonly plan_id: string
  readonly feature_id: string
  readonly value_credit_id: string | null
  readonly consumption_rate: number | null
  readonly soft_limit: number | null
  readonly created_at: number
  readonly updated_at: number
}

export interface OverrideRow extends GrantColumns {
  readonly id: string
  readonly company_id: string
  readonly feature_id: string
  readonly value_credit_id: string | null
  readonly consumption_rate: number | null
  readonly expiration_date: number | null
  readonly created_at: number
  readonly updated_at: number
}

export interface OverrideNoteRow {
  readonly id: string
  readonly override_id: string
  readonly note: string
  readonly created_at: number
  readonly updated_at: number
}

export interface EventRow {
  readonly seq: number
  readonly id: string
  readonly type: string
  readonly subtype: string | null
  readonly status: string
  readonly body: string
  readonly quantity: number
  readonly company_id: string | null
  readonly user_id: string | null
  readonly idempotency_key: string | null
  readonly error_message: string | null
  readonly captured_at: number
  readonly sent_at: number | null
  readonly received_at: number
}

export interface BillingCustomerRow {
  readonly id: string
  readonly external_id: string
  readonly company_id: string | null
  readonly email: string
  readonly name: string
  readonly meta: string
  readonly provider_type: string
  readonly created_at: number
  readonly updated_at: number
}

export interface BillingProductRow {
  readonly id: string
  readonly external_id: string
  readonly name: string
  readonly price: number
  readonly is_active: number
  readonly provider_type: string
  readonly created_at: number
  readonly updated_at: number
}

export interface BillingPriceRow {
  readonly id: string
  readonly external_id: string
  readonly product_id: string
  readonly price: number
  readonly currency: string
  readonly interval: string
  readonly usage_type: string
  readonly provider_type: string
  readonly created_at: number
  readonly updated_at: number
}

/** A subscription; `period_*`, `trial_end` and `cancel_at` in epoch seconds, `expired_at` in milliseconds. */
export interface BillingSubscriptionRow {
  readonly id: string
  readonly external_id: string
  readonly customer_external_id: string
  readonly company_id: string | null
  readonly status: string
  readonly currency: string
  readonly interval: string
  readonly total_price: number
  readonly period_start: number
  readonly period_end: number
  readonly trial_end: number | null
  readonly trial_end_setting: string | null
  readonly cancel_at: number | null
  readonly cancel_at_period_end: number
  readonly expired_at: number | null
  readonly provider_type: string
  readonly created_at: number
  readonly updated_at: number
}

export interface SubscriptionItemRow {
  readonly subscription_id: string
  readonly position: number
  readonly product_id: string
  readonly price_id: string
  readonly quantity: number
  readonly item_external_id: string | null
}

export interface CreditTypeRow {
  readonly id: string
  readonly name: string
  readonly description: string
  readonly currency: string
  readonly singular_name: string | null
  readonly plural_name: string | null
  readonly burn_strategy: string
  readonly created_at: number
  readonly updated_at: number
}

export interface CreditGrantRow {
  readonly id: string
  readonly company_id: string
  readonly credit_id: string
  readonly reason: string
  readonly quantity: number
  readonly quantity_remaining: number
  readonly valid_from: number
  readonly expires_at: number | null
  readonly zeroed_out_at: number | null
  readonly zeroed_out_reason: string | null
  readonly plan_id: string | null
  readonly created_at: number
  readonly updated_at: number
}

export interface CreditLedgerRow {
  readonly seq: number
  readonly id: string
  readonly company_id: string
  readonly credit_id: string
  readonly event_type: string
  readonly amount: number
  readonly grant_id: string | null
  readonly feature_id: string | null
  readonly usage_event_id: string | null
  readonly event_at: number
}
