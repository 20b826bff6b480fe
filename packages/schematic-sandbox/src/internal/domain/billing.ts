/**
 * The billing mirror: Schematic's copy of the billing system's customers, products, prices and subscriptions, each
 * upserted by the billing system's id (Stripe's `cus_`, `prod_`, `price_`, `sub_`). A subscription belongs to its
 * `company_id`, else to the company of its customer, else to the company whose key `stripe_customer_id` is its
 * customer's id.
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type {
  BillingCustomerRow,
  BillingPriceRow,
  BillingProductRow,
  BillingSubscriptionRow,
  SubscriptionItemRow
} from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { UpsertBillingCustomer, UpsertBillingProduct, UpsertBillingSubscription } from "../wire.js"
import { insertRow, type Page, rowsIn } from "./tables.js"

/** Statuses whose subscription keeps its entitlements (Schematic's Stripe integration treats trialing as active). */
export const GRANTING_STATUSES = ["active", "trialing", "past_due"] as const

/** Statuses whose subscription is paid for: what counts toward revenue (a trial is not paid for yet). */
export const PAYING_STATUSES = ["active", "past_due"] as const

const companyExists = (companyId: string, field: string) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const found = yield* sql<{ id: string }>`SELECT id FROM companies WHERE id = ${companyId}`
    if (found[0] === undefined) return yield* badRequest(`${field}: no company ${companyId}`)
  })

/** `POST /billing/customer/upsert`: by `external_id`; a customer keeps its company unless another is named. */
/** The columns of a mirror row an upsert writes: all but those it keeps (`id`, `external_id`, `created_at`). */
type Written<Row> = Omit<Row, "id" | "external_id" | "created_at" | "updated_at">

/**
 * Upserts a mirror row of `table` by its `external_id`: the existing row updated with `fields(existing)`, or a new
 * row with an id of `idPrefix`. Answers the row as stored.
 */
const upsertByExternalId = <Row extends { readonly id: string }>(
  table: string,
  idPrefix: string,
  externalId: string,
  now: number,
  fields: (existing: Row | undefined) => Written<Row>
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [existing] = yield* sql<Row>`SELECT * FROM ${sql(table)} WHERE external_id = ${externalId}`
    const written = { ...fields(existing), updated_at: now }
    if (existing !== undefined) {
      yield* sql`UPDATE ${sql(table)} SET ${sql.update(written)} WHERE id = ${existing.id}`
      return { ...existing, ...written }
    }
    const row = { id: newId(idPrefix), external_id: externalId, created_at: now, ...written }
    yield* sql`INSERT INTO ${sql(table)} ${sql.insert(row)}`
    // `Written<Row>` and the four columns set here make a whole Row, which TypeScript cannot see for a generic Row.
    return row as unknown as Row
  })

export const upsertCustomer = (input: typeof UpsertBillingCustomer.Type, now: number) =>
  Effect.gen(function* () {
    if (input.company_id) yield* companyExists(input.company_id, "company_id")
    return yield* upsertByExternalId<BillingCustomerRow>(
      "billing_customers",
      "bcus",
      input.external_id,
      now,
      (existing) => ({
        email: input.email,
        name: input.name,
        meta: JSON.stringify(input.meta),
        provider_type: input.provider_type ?? existing?.provider_type ?? "schematic",
        company_id: input.company_id ?? existing?.company_id ?? null
      })
    )
  })

export interface CustomerFilter {
  readonly company_ids: ReadonlyArray<string>
  readonly q?: string | undefined
  readonly name?: string | undefined
  readonly provider_type?: string | undefined
}

export const listCustomers = (filter: CustomerFilter & Page) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const clauses = [sql`1 = 1`]
    if (filter.company_ids.length > 0) clauses.push(sql`company_id IN ${sql.in(filter.company_ids)}`)
    if (filter.name) clauses.push(sql`name = ${filter.name}`)
    if (filter.provider_type) clauses.push(sql`provider_type = ${filter.provider_type}`)
    if (filter.q) {
      clauses.push(sql`(name LIKE ${`%${filter.q}%`} OR email LIKE ${`%${filter.q}%`} OR external_id = ${filter.q})`)
    }
    return yield* sql<BillingCustomerRow>`SELECT * FROM billing_customers WHERE ${sql.and(clauses)}
      ORDER BY created_at DESC, rowid DESC LIMIT ${filter.limit} OFFSET ${filter.offset}`
  })

/** `POST /billing/product/upsert`: by `external_id`. */
export const upsertProduct = (input: typeof UpsertBillingProduct.Type, now: number) =>
  upsertByExternalId<BillingProductRow>("billing_products", "bilpr", input.external_id, now, (existing) => ({
    name: input.name ?? existing?.name ?? input.external_id,
    price: input.price,
    is_active: (input.is_active ?? true) ? 1 : 0,
    provider_type: input.provider_type ?? existing?.provider_type ?? "schematic"
  }))

/** A product's price, upserted by its `external_id` (line items of a subscription carry their prices). */
export const upsertPrice = (
  { external_id, ...fields }: Written<BillingPriceRow> & { readonly external_id: string },
  now: number
) => upsertByExternalId<BillingPriceRow>("billing_prices", "bilpp", external_id, now, () => fields)

const seconds = (millis: number) => Math.floor(millis / 1000)

/**
 * `POST /billing/subscription/upsert`: by `subscription_external_id`, its line items replaced by those given (their
 * products and prices upserted by id). The period defaults to a month from now, the interval to the first item's.
 */
export const upsertSubscription = (input: UpsertBillingSubscription, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    if (input.company_id) yield* companyExists(input.company_id, "company_id")
    const periodStart = input.period_start ?? seconds(now)
    const periodEnd = input.period_end ?? periodStart + 30 * 86_400
    if (periodEnd < periodStart) return yield* badRequest("period_end: must not be before period_start")
    if (input.trial_end !== undefined && input.trial_end !== null && input.trial_end < periodStart) {
      return yield* badRequest("trial_end: must not be before period_start")
    }
    const expiredAt = Date.parse(input.expired_at)
    const provider = input.provider_type ?? "schematic"
    const [existing] = yield* sql<BillingSubscriptionRow>`
      SELECT * FROM billing_subscriptions WHERE external_id = ${input.subscription_external_id}`
    const fields = {
      customer_external_id: input.customer_external_id,
      company_id: input.company_id ?? existing?.company_id ?? null,
      status: input.status ?? existing?.status ?? "active",
      currency: input.currency,
      interval: input.interval ?? input.product_external_ids[0]?.interval ?? existing?.interval ?? "month",
      total_price: input.total_price,
      period_start: periodStart,
      period_end: periodEnd,
      trial_end: input.trial_end ?? null,
      trial_end_setting: input.trial_end_setting ?? null,
      cancel_at: input.cancel_at ?? null,
      cancel_at_period_end: input.cancel_at_period_end ? 1 : 0,
      expired_at: Number.isNaN(expiredAt) ? null : expiredAt,
      provider_type: provider,
      updated_at: now
    }
    const id = existing?.id ?? newId("bilsub")
    if (existing !== undefined) {
      yield* sql`UPDATE billing_subscriptions SET ${sql.update(fields)} WHERE id = ${id}`
    } else {
      yield* sql`INSERT INTO billing_subscriptions ${sql.insert({
        id,
        external_id: input.subscription_external_id,
        created_at: now,
        ...fields
      })}`
    }
    yield* sql`DELETE FROM billing_subscription_items WHERE subscription_id = ${id}`
    for (const [position, item] of input.product_external_ids.entries()) {
      const product = yield* upsertProductQuietly(item.product_external_id, item.price, provider, now)
      const price = yield* upsertPrice(
        {
          external_id: item.price_external_id,
          product_id: product.id,
          price: item.price,
          currency: item.currency,
          interval: item.interval,
          usage_type: item.usage_type,
          provider_type: provider
        },
        now
      )
      const row: SubscriptionItemRow = {
        subscription_id: id,
        position,
        product_id: product.id,
        price_id: price.id,
        quantity: item.quantity,
        item_external_id: item.subscription_item_external_id ?? null
      }
      yield* insertRow("billing_subscription_items", row)
    }
    const [row] = yield* sql<BillingSubscriptionRow>`SELECT * FROM billing_subscriptions WHERE id = ${id}`
    return row!
  })

/** A line item's product: created when new (named by its id), otherwise left as it is. */
const upsertProductQuietly = (externalId: string, price: number, provider: string, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const [existing] = yield* sql<BillingProductRow>`SELECT * FROM billing_products WHERE external_id = ${externalId}`
    if (existing !== undefined) return existing
    return yield* upsertProduct(
      { external_id: externalId, price: price / 100, provider_type: provider as "stripe" },
      now
    )
  })

/** A subscription with its line items, each with its product and price. */
export interface SubscriptionDetail {
  readonly row: BillingSubscriptionRow
  readonly companyId: string | null
  readonly items: ReadonlyArray<{
    readonly item: SubscriptionItemRow
    readonly product: BillingProductRow
    readonly price: BillingPriceRow
  }>
}

/**
 * Every subscription of these companies (by company, then customer, then `stripe_customer_id` key), newest first;
 * `"all"`: of every company.
 */
export const subscriptionsOf = (companyIds: ReadonlyArray<string> | "all") =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byCompany = new Map<string, Array<SubscriptionDetail>>()
    if (companyIds !== "all" && companyIds.length === 0) return byCompany
    const ids = companyIds === "all" ? undefined : sql.in(companyIds)
    const rows = yield* sql<BillingSubscriptionRow & { owner: string | null }>`
      SELECT s.*, COALESCE(s.company_id, c.company_id, k.entity_id) AS owner
      FROM billing_subscriptions s
      LEFT JOIN billing_customers c ON c.external_id = s.customer_external_id
      LEFT JOIN entity_keys k ON k.entity_type = 'company' AND k.key = 'stripe_customer_id'
        AND k.value = s.customer_external_id
      WHERE ${
        ids === undefined
          ? sql`COALESCE(s.company_id, c.company_id, k.entity_id) IS NOT NULL`
          : sql`(s.company_id IN ${ids}
        OR (s.company_id IS NULL AND c.company_id IN ${ids})
        OR (s.company_id IS NULL AND c.company_id IS NULL AND k.entity_id IN ${ids}))`
      }
      ORDER BY s.period_start DESC, s.created_at DESC`
    if (rows.length === 0) return byCompany
    const items = yield* sql<SubscriptionItemRow>`SELECT * FROM billing_subscription_items
      WHERE subscription_id IN ${sql.in(rows.map((row) => row.id))} ORDER BY subscription_id, position`
    const products = yield* rowsIn<BillingProductRow>("billing_products")(items, (item) => item.product_id)
    const prices = yield* rowsIn<BillingPriceRow>("billing_prices")(items, (item) => item.price_id)
    const productById = new Map(products.map((row) => [row.id, row]))
    const priceById = new Map(prices.map((row) => [row.id, row]))
    for (const { owner, ...row } of rows) {
      if (owner === null) continue
      const detail: SubscriptionDetail = {
        row,
        companyId: owner,
        items: items
          .filter((item) => item.subscription_id === row.id)
          .flatMap((item) => {
            const product = productById.get(item.product_id)
            const price = priceById.get(item.price_id)
            return product === undefined || price === undefined ? [] : [{ item, product, price }]
          })
      }
      const list = byCompany.get(owner)
      if (list === undefined) byCompany.set(owner, [detail])
      else list.push(detail)
    }
    return byCompany
  })

/** A company's main subscription: the newest one whose status keeps entitlements, else the newest. */
export const mainSubscription = (subscriptions: ReadonlyArray<SubscriptionDetail> | undefined) =>
  subscriptions?.find((detail) => (GRANTING_STATUSES as ReadonlyArray<string>).includes(detail.row.status)) ??
  subscriptions?.[0]

/** Months in one interval of a recurring price; undefined for one-time prices. */
const monthsIn = (interval: string): number | undefined =>
  ({ day: 12 / 365, week: 12 / 52, month: 1, quarter: 3, year: 12 })[interval]

/**
 * What a subscription pays a month, in minor units: its recurring licensed items (price × quantity) normalised to
 * a month, while it is paid for (active or past due). A trial pays nothing until it converts.
 */
export const monthlyRevenue = (detail: SubscriptionDetail): number => {
  if (!(PAYING_STATUSES as ReadonlyArray<string>).includes(detail.row.status)) return 0
  let monthly = 0
  for (const { item, price } of detail.items) {
    const months = monthsIn(price.interval)
    if (months === undefined || price.usage_type !== "licensed") continue
    monthly += (price.price * item.quantity) / months
  }
  return monthly
}
