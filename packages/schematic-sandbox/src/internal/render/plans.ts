import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { rowsIn } from "../domain/tables.js"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { BillingPriceRow, BillingProductRow, PlanRow } from "../rows.js"
import { renderPrice, renderProductDetail } from "./billing.js"

/** A plan's price: its billing price when linked to one, else its list price with ids derived from the plan's. */
const price = (plan: PlanRow, amount: number | null, interval: "month" | "year", linked?: BillingPriceRow) =>
  linked !== undefined
    ? renderPrice(linked)
    : amount === null
      ? undefined
      : {
          id: `bilpp_${plan.id}_${interval}`,
          external_price_id: `price_${plan.id}_${interval}`,
          price: amount,
          price_decimal: null,
          currency: plan.currency,
          interval,
          interval_count: 1,
          provider_type: "schematic",
          scheme: "per_unit"
        }

/** Renders plans as `PlanDetailResponseData`, with how many companies hold each one now. */
export const renderPlans = (rows: ReadonlyArray<PlanRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const counts = new Map<string, number>()
    if (rows.length > 0) {
      const ids = rows.map((row) => row.id)
      const found = yield* sql<{ plan_id: string; n: number }>`
        SELECT plan_id, COUNT(DISTINCT company_id) AS n FROM plan_subscriptions
        WHERE ended_at IS NULL AND plan_id IN ${sql.in(ids)} GROUP BY plan_id`
      for (const row of found) counts.set(row.plan_id, row.n)
    }
    const productIds = [...new Set(rows.flatMap((row) => (row.billing_product_id ? [row.billing_product_id] : [])))]
    const products = yield* rowsIn<BillingProductRow>("billing_products")(rows, (row) => row.billing_product_id)
    const prices =
      productIds.length === 0
        ? []
        : yield* sql<BillingPriceRow>`SELECT * FROM billing_prices WHERE product_id IN ${sql.in(productIds)}
            ORDER BY created_at`
    const subscribed = new Map<string, number>()
    if (productIds.length > 0) {
      const found = yield* sql<{ product_id: string; n: number }>`
        SELECT product_id, COUNT(DISTINCT subscription_id) AS n FROM billing_subscription_items
        WHERE product_id IN ${sql.in(productIds)} GROUP BY product_id`
      for (const row of found) subscribed.set(row.product_id, row.n)
    }
    return rows.map((plan) => {
      const monthly = price(
        plan,
        plan.monthly_price,
        "month",
        prices.find((row) => row.id === plan.monthly_price_id)
      )
      const yearly = price(
        plan,
        plan.yearly_price,
        "year",
        prices.find((row) => row.id === plan.yearly_price_id)
      )
      const paid = (monthly?.price ?? 0) > 0 || (yearly?.price ?? 0) > 0
      const product = products.find((row) => row.id === plan.billing_product_id)
      return {
        id: plan.id,
        name: plan.name,
        description: plan.description,
        plan_type: plan.plan_type,
        icon: plan.icon,
        company_count: counts.get(plan.id) ?? 0,
        is_default: false,
        is_trialable: plan.is_trialable === 1,
        trial_days: plan.trial_days,
        is_free: !paid,
        charge_type: plan.charge_type ?? (paid ? "recurring" : "free"),
        billing_strategy: "schematic_managed",
        controlled_by: "schematic",
        currency_prices:
          monthly === undefined && yearly === undefined
            ? []
            : [{ currency: plan.currency, monthly_price: monthly, yearly_price: yearly }],
        ...(monthly === undefined ? {} : { monthly_price: monthly }),
        ...(yearly === undefined ? {} : { yearly_price: yearly }),
        ...(product === undefined
          ? {}
          : {
              billing_product: renderProductDetail(
                product,
                prices.filter((row) => row.product_id === product.id),
                subscribed.get(product.id) ?? 0
              )
            }),
        credits: [],
        features: [],
        versions: [
          {
            id: `plvr_${plan.id.slice(5)}`,
            name: plan.name,
            description: plan.description,
            plan_type: plan.plan_type,
            icon: plan.icon,
            environment_id: ENVIRONMENT_ID,
            status: "published",
            version: 1,
            created_at: iso(plan.created_at),
            updated_at: iso(plan.updated_at)
          }
        ],
        created_at: iso(plan.created_at),
        updated_at: iso(plan.updated_at)
      }
    })
  })
