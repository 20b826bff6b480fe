import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { mainSubscription, subscriptionsOf } from "../domain/billing.js"
import { balancesOf } from "../domain/credits.js"
import { entitlementsOf } from "../domain/entitlements.js"
import { plansById } from "../domain/plans.js"
import { iso } from "../ids.js"
import type { CompanyRow } from "../rows.js"
import { renderSubscriptionView } from "./billing.js"
import { renderEntitlement, renderMetric } from "./entitlements.js"
import { keysOf } from "./keys.js"
import { companySummary } from "./summaries.js"

/** Renders companies as `CompanyDetailResponseData`, in the order given, with a fixed number of queries. */
export const renderCompanies = (rows: ReadonlyArray<CompanyRow>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const ids = rows.map((row) => row.id)
    const keys = yield* keysOf("company", ids)
    const userCounts = new Map<string, number>()
    const addOns = new Map<string, Array<{ plan_id: string; added_at: number }>>()
    if (ids.length > 0) {
      const counts = yield* sql<{ company_id: string; n: number }>`
        SELECT company_id, COUNT(*) AS n FROM company_memberships WHERE company_id IN ${sql.in(ids)} GROUP BY company_id`
      for (const row of counts) userCounts.set(row.company_id, row.n)
      const held = yield* sql<{ company_id: string; plan_id: string; added_at: number }>`
        SELECT company_id, plan_id, added_at FROM company_add_ons WHERE company_id IN ${sql.in(ids)} ORDER BY added_at`
      for (const row of held) addOns.set(row.company_id, [...(addOns.get(row.company_id) ?? []), row])
    }
    const planIds = new Set<string>()
    for (const row of rows) if (row.base_plan_id) planIds.add(row.base_plan_id)
    for (const list of addOns.values()) for (const item of list) planIds.add(item.plan_id)
    const plans = yield* plansById([...planIds])
    const now = Date.now()
    const entitlements = yield* entitlementsOf(rows, now)
    const subscriptions = yield* subscriptionsOf(ids)
    const balances = yield* balancesOf(ids, now)
    const planView = (planId: string, addedAt: number | null, companyId: string) => {
      const plan = plans.get(planId)
      // What the company pays for the plan: the line item of its subscription for the plan's billing product.
      const line = mainSubscription(subscriptions.get(companyId))?.items.find(
        (entry) => plan?.billing_product_id != null && entry.product.id === plan.billing_product_id
      )
      return {
        id: planId,
        name: plan?.name ?? planId,
        description: plan?.description ?? null,
        image_url: null,
        added_on: iso(addedAt),
        ...(line !== undefined
          ? {
              plan_price: line.price.price,
              plan_period: line.price.interval,
              billing_product_id: line.product.id,
              billing_product_external_id: line.product.external_id
            }
          : {
              plan_price: plan?.monthly_price ?? null,
              plan_period: plan?.monthly_price != null ? "month" : null
            }),
        plan_version_id: null,
        included_credit_grants: []
      }
    }
    return rows.map((row) => {
      const held = entitlements.get(row.id) ?? []
      const base = row.base_plan_id ? planView(row.base_plan_id, row.base_plan_added_at, row.id) : undefined
      const extras = (addOns.get(row.id) ?? []).map((item) => planView(item.plan_id, item.added_at, row.id))
      const heldSubscriptions = subscriptions.get(row.id) ?? []
      const main = mainSubscription(heldSubscriptions)
      const credit = balances.get(row.id)
      return {
        ...companySummary(row),
        keys: keys.get(row.id) ?? [],
        traits: JSON.parse(row.traits),
        entity_traits: [],
        user_count: userCounts.get(row.id) ?? 0,
        ...(base === undefined ? {} : { plan: base }),
        plans: [...(base ? [base] : []), ...extras].map((plan) => ({
          id: plan.id,
          name: plan.name,
          description: plan.description,
          image_url: null
        })),
        add_ons: extras,
        entitlements: held.map(renderEntitlement),
        metrics: held.flatMap((entitlement) =>
          entitlement.metricPeriod === null ? [] : [renderMetric(entitlement, now)]
        ),
        ...(main === undefined ? {} : { billing_subscription: renderSubscriptionView(main) }),
        billing_subscriptions: heldSubscriptions.map(renderSubscriptionView),
        billing_credit_balances:
          credit === undefined
            ? null
            : Object.fromEntries([...credit.values()].map((balance) => [balance.creditId, balance.remaining])),
        custom_plan_billings: [],
        payment_methods: [],
        rules: []
      }
    })
  })
