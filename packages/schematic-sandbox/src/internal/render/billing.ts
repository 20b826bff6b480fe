/** The billing mirror's answers: customers, subscriptions (as upserted and as a company shows them), products, prices. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { SubscriptionDetail } from "../domain/billing.js"
import { subscriptionsOf } from "../domain/billing.js"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { BillingCustomerRow, BillingPriceRow, BillingProductRow, BillingSubscriptionRow } from "../rows.js"

export const ACCOUNT_ID = "acct_sandbox"

/** `BillingCustomerResponseData`. */
export const renderCustomer = (row: BillingCustomerRow) => ({
  id: row.id,
  external_id: row.external_id,
  company_id: row.company_id,
  email: row.email,
  name: row.name,
  provider_type: row.provider_type,
  deleted_at: null,
  updated_at: iso(row.updated_at)
})

/** `BillingCustomerWithSubscriptionsResponseData`: each customer with its subscriptions' terms. */
export const renderCustomersWithSubscriptions = (rows: ReadonlyArray<BillingCustomerRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const subscriptions =
      rows.length === 0
        ? []
        : yield* sql<BillingSubscriptionRow>`SELECT * FROM billing_subscriptions
            WHERE customer_external_id IN ${sql.in(rows.map((row) => row.external_id))} ORDER BY created_at DESC`
    return rows.map((row) => ({
      ...renderCustomer(row),
      subscriptions: subscriptions
        .filter((item) => item.customer_external_id === row.external_id)
        .map((item) => ({
          currency: item.currency,
          interval: item.interval,
          metered_usage: false,
          per_unit_price: item.total_price,
          total_price: item.total_price,
          expired_at: iso(item.expired_at)
        }))
    }))
  })

/** `BillingSubscriptionResponseData`, as the upsert answers it. */
export const renderSubscription = (row: BillingSubscriptionRow, companyId: string | null = row.company_id) => ({
  id: row.id,
  subscription_external_id: row.external_id,
  customer_external_id: row.customer_external_id,
  company_id: companyId,
  status: row.status,
  currency: row.currency,
  interval: row.interval,
  total_price: row.total_price,
  period_start: row.period_start,
  period_end: row.period_end,
  cancel_at_period_end: row.cancel_at_period_end === 1,
  cancel_at: row.cancel_at,
  trial_end: row.trial_end,
  trial_end_setting: row.trial_end_setting,
  expired_at: iso(row.expired_at),
  metadata: {},
  provider_type: row.provider_type,
  created_at: iso(row.created_at)
})

/** `BillingSubscriptionView`: a subscription with its line items, as a company shows it. */
export const renderSubscriptionView = (detail: SubscriptionDetail) => ({
  ...renderSubscription(detail.row, detail.companyId),
  discounts: [],
  products: detail.items.map(({ item, product, price }) => ({
    id: product.id,
    external_id: product.external_id,
    name: product.name,
    price_id: price.id,
    price_external_id: price.external_id,
    price: price.price,
    price_decimal: null,
    currency: price.currency,
    interval: price.interval,
    quantity: item.quantity,
    usage_type: price.usage_type,
    billing_scheme: "per_unit",
    package_size: 1,
    price_tier: [],
    provider_type: price.provider_type,
    environment_id: ENVIRONMENT_ID,
    subscription_id: detail.row.id,
    subscription_item_external_id: item.item_external_id,
    created_at: iso(price.created_at),
    updated_at: iso(price.updated_at)
  }))
})

/** `CompanySubscriptionResponseData`: where the view has epoch seconds, this has date-times (Schematic's quirk). */
export const renderCompanySubscription = (detail: SubscriptionDetail) => {
  const view = renderSubscriptionView(detail)
  const time = (seconds: number | null) => (seconds === null ? null : new Date(seconds * 1000).toISOString())
  return {
    subscription_external_id: view.subscription_external_id,
    customer_external_id: view.customer_external_id,
    status: view.status,
    interval: view.interval,
    currency: view.currency,
    total_price: view.total_price,
    cancel_at_period_end: view.cancel_at_period_end,
    cancel_at: time(detail.row.cancel_at),
    trial_end: time(detail.row.trial_end),
    expired_at: view.expired_at,
    is_initial: false,
    products: view.products,
    discounts: [],
    provider_type: view.provider_type
  }
}

/** The upsert's answer, with the company it was found to belong to. */
export const renderUpsertedSubscription = (row: BillingSubscriptionRow) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (row.company_id !== null) return renderSubscription(row)
    const [owner] = yield* sql<{ company_id: string | null }>`
      SELECT COALESCE(c.company_id, k.entity_id) AS company_id FROM (SELECT ${row.customer_external_id} AS id) s
      LEFT JOIN billing_customers c ON c.external_id = s.id
      LEFT JOIN entity_keys k ON k.entity_type = 'company' AND k.key = 'stripe_customer_id' AND k.value = s.id`
    return renderSubscription(row, owner?.company_id ?? null)
  })

/** `BillingPriceResponseData`. */
export const renderPrice = (row: BillingPriceRow) => ({
  id: row.id,
  external_price_id: row.external_id,
  price: row.price,
  price_decimal: null,
  currency: row.currency,
  interval: (["day", "month", "year", "one-time"] as ReadonlyArray<string>).includes(row.interval)
    ? row.interval
    : "month",
  interval_count: 1,
  scheme: "per_unit",
  nickname: null,
  provider_type: row.provider_type
})

/** `BillingProductResponseData`. */
export const renderProduct = (row: BillingProductRow) => ({
  product_id: row.id,
  external_id: row.external_id,
  name: row.name,
  price: row.price,
  price_decimal: null,
  quantity: 0,
  is_active: row.is_active === 1,
  provider_type: row.provider_type,
  account_id: ACCOUNT_ID,
  environment_id: ENVIRONMENT_ID,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at)
})

/** `BillingProductDetailResponseData`: a product with its prices and how many subscriptions include it. */
export const renderProductDetail = (row: BillingProductRow, prices: ReadonlyArray<BillingPriceRow>, count: number) => ({
  ...renderProduct(row),
  prices: prices.map(renderPrice),
  subscription_count: count
})

export { subscriptionsOf }
