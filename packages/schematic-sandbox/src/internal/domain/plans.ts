/** Plans and add-ons, and which of them each company holds, with the history plan growth is counted from. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { BillingPriceRow, BillingProductRow, PlanRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreatePlan, UpsertPlanBilling } from "../wire.js"
import { upsertPrice } from "./billing.js"
import { byNameOrId, filteredTable, insertRow, rowById, rowsById, type SearchFilter } from "./tables.js"

export const getPlan = rowById<PlanRow>("plans", "plan")

export interface PlanFilter extends SearchFilter {
  readonly plan_type?: "plan" | "add_on" | undefined
  /** Plans the company holds now. */
  readonly company_id?: string | undefined
}

export const planTable = filteredTable<PlanFilter>("plans", "p", (sql, filter) => [
  ...byNameOrId(sql, filter),
  filter.plan_type && sql`plan_type = ${filter.plan_type}`,
  filter.company_id &&
    sql`id IN (SELECT plan_id FROM plan_subscriptions WHERE company_id = ${filter.company_id}
        AND ended_at IS NULL)`
])

export const plansById = rowsById<PlanRow>("plans")

/**
 * Sets a company's base plan and/or its full list of add-ons, recording each change in
 * `plan_subscriptions` so plan growth can be computed from history. `undefined` leaves a part as it is.
 */
export const assignPlans = (
  companyId: string,
  basePlanId: string | null | undefined,
  addOnIds: ReadonlyArray<string> | undefined,
  now: number,
  field: { base: string; addOns: string }
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const wanted = [...(basePlanId ? [basePlanId] : []), ...(addOnIds ?? [])]
    const plans = yield* plansById(wanted)
    if (basePlanId) {
      const plan = plans.get(basePlanId)
      if (plan === undefined) return yield* badRequest(`${field.base}: no plan ${basePlanId}`)
      if (plan.plan_type !== "plan") return yield* badRequest(`${field.base}: ${basePlanId} is an add-on, not a plan`)
    }
    for (const [index, id] of (addOnIds ?? []).entries()) {
      const plan = plans.get(id)
      if (plan === undefined) return yield* badRequest(`${field.addOns}.${index}: no plan ${id}`)
      if (plan.plan_type !== "add_on") return yield* badRequest(`${field.addOns}.${index}: ${id} is not an add-on`)
    }
    if (basePlanId !== undefined) {
      const current = yield* sql<{
        base_plan_id: string | null
      }>`SELECT base_plan_id FROM companies WHERE id = ${companyId}`
      if ((current[0]?.base_plan_id ?? null) !== basePlanId) {
        yield* sql`UPDATE plan_subscriptions SET ended_at = ${now}
          WHERE company_id = ${companyId} AND kind = 'base' AND ended_at IS NULL`
        yield* sql`UPDATE companies SET base_plan_id = ${basePlanId}, base_plan_added_at = ${basePlanId ? now : null}
          WHERE id = ${companyId}`
        if (basePlanId) {
          yield* sql`INSERT INTO plan_subscriptions ${sql.insert({
            company_id: companyId,
            plan_id: basePlanId,
            kind: "base",
            started_at: now,
            ended_at: null
          })}`
        }
      }
    }
    if (addOnIds !== undefined) {
      const held = yield* sql<{ plan_id: string }>`SELECT plan_id FROM company_add_ons WHERE company_id = ${companyId}`
      const heldIds = new Set(held.map((row) => row.plan_id))
      const next = new Set(addOnIds)
      for (const id of heldIds) {
        if (next.has(id)) continue
        yield* sql`DELETE FROM company_add_ons WHERE company_id = ${companyId} AND plan_id = ${id}`
        yield* sql`UPDATE plan_subscriptions SET ended_at = ${now}
          WHERE company_id = ${companyId} AND plan_id = ${id} AND ended_at IS NULL`
      }
      for (const id of next) {
        if (heldIds.has(id)) continue
        yield* sql`INSERT INTO company_add_ons ${sql.insert({ company_id: companyId, plan_id: id, added_at: now })}`
        yield* sql`INSERT INTO plan_subscriptions ${sql.insert({
          company_id: companyId,
          plan_id: id,
          kind: "add_on",
          started_at: now,
          ended_at: null
        })}`
      }
    }
  })

/** Ends every subscription of a company that is being deleted (its history stays for plan growth). */
export const endSubscriptions = (companyId: string, now: number) =>
  Effect.flatMap(
    SqlClient.SqlClient,
    (sql) => sql`UPDATE plan_subscriptions SET ended_at = ${now} WHERE company_id = ${companyId} AND ended_at IS NULL`
  )

/** Stores a plan or add-on. */
export const insertPlan = (input: typeof CreatePlan.Type, now: number) =>
  insertRow<PlanRow>("plans", {
    id: newId("plan"),
    name: input.name,
    description: input.description ?? "",
    plan_type: input.plan_type,
    icon: input.icon ?? "blue",
    monthly_price: input.monthly_price ?? null,
    yearly_price: input.yearly_price ?? null,
    currency: input.currency ?? "usd",
    is_trialable: 0,
    trial_days: null,
    charge_type: null,
    billing_product_id: null,
    monthly_price_id: null,
    yearly_price_id: null,
    created_at: now,
    updated_at: now
  })

/**
 * `PUT /plans/{plan_id}/billing_products`: links a plan to its billing product, sets its trial and its prices. A
 * price is given by amount (a price of the product is upserted for it) or by the id of one of the product's prices.
 */
export const setPlanBilling = (planId: string, input: typeof UpsertPlanBilling.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const plan = yield* getPlan(planId)
    if (input.trial_days !== undefined && input.trial_days !== null && !input.is_trialable) {
      return yield* badRequest("trial_days: is only for a trialable plan (is_trialable true)")
    }
    if (input.is_trialable && !(input.trial_days && input.trial_days > 0)) {
      return yield* badRequest("trial_days: is required, above 0, when is_trialable is true")
    }
    let product: BillingProductRow | undefined
    if (input.billing_product_id) {
      ;[product] = yield* sql<BillingProductRow>`SELECT * FROM billing_products
        WHERE id = ${input.billing_product_id} OR external_id = ${input.billing_product_id}`
      if (product === undefined) {
        return yield* badRequest(`billing_product_id: no billing product ${input.billing_product_id}`)
      }
    }
    const currency = input.currency ?? plan.currency
    const priceFor = (interval: "month" | "year", amount: number | null | undefined, id: string | null | undefined) =>
      Effect.gen(function* () {
        const field = interval === "month" ? "monthly" : "yearly"
        if (id) {
          const [price] =
            yield* sql<BillingPriceRow>`SELECT * FROM billing_prices WHERE id = ${id} OR external_id = ${id}`
          if (price === undefined) return yield* badRequest(`${field}_price_id: no billing price ${id}`)
          if (product !== undefined && price.product_id !== product.id) {
            return yield* badRequest(`${field}_price_id: ${id} is not a price of the billing product`)
          }
          return price
        }
        if (amount === undefined || amount === null) return undefined
        if (product === undefined) return yield* badRequest(`billing_product_id: is required to set ${field}_price`)
        return yield* upsertPrice(
          {
            external_id: `price_${product.external_id}_${interval}_${amount}_${currency}`,
            product_id: product.id,
            price: amount,
            currency,
            interval,
            usage_type: "licensed",
            provider_type: product.provider_type
          },
          now
        )
      })
    const monthly = yield* priceFor("month", input.monthly_price, input.monthly_price_id)
    const yearly = yield* priceFor("year", input.yearly_price, input.yearly_price_id)
    const fields = {
      is_trialable: input.is_trialable ? 1 : 0,
      trial_days: input.is_trialable ? (input.trial_days ?? null) : null,
      charge_type: input.charge_type,
      billing_product_id: product?.id ?? null,
      monthly_price_id: monthly?.id ?? null,
      yearly_price_id: yearly?.id ?? null,
      monthly_price: monthly?.price ?? (input.charge_type === "free" ? null : plan.monthly_price),
      yearly_price: yearly?.price ?? (input.charge_type === "free" ? null : plan.yearly_price),
      currency: monthly?.currency ?? yearly?.currency ?? currency,
      updated_at: now
    }
    yield* sql`UPDATE plans SET ${sql.update(fields)} WHERE id = ${planId}`
    return { ...plan, ...fields }
  })

/** `DELETE /plans/{plan_id}`: companies on it lose it (their history of holding it stays), its entitlements go. */
export const deletePlan = (planId: string, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    yield* getPlan(planId)
    yield* sql`UPDATE plan_subscriptions SET ended_at = ${now} WHERE plan_id = ${planId} AND ended_at IS NULL`
    yield* sql`UPDATE companies SET base_plan_id = NULL, base_plan_added_at = NULL WHERE base_plan_id = ${planId}`
    yield* sql`DELETE FROM company_add_ons WHERE plan_id = ${planId}`
    yield* sql`DELETE FROM plan_entitlements WHERE plan_id = ${planId}`
    yield* sql`DELETE FROM plans WHERE id = ${planId}`
  })
