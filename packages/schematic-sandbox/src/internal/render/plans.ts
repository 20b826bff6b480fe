import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { ENVIRONMENT_ID, iso } from "../ids.js"
import type { PlanRow } from "../rows.js"

const price = (plan: PlanRow, amount: number | null, interval: "month" | "year") =>
  amount === null
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
    return rows.map((plan) => {
      const monthly = price(plan, plan.monthly_price, "month")
      const yearly = price(plan, plan.yearly_price, "year")
      const paid = (plan.monthly_price ?? 0) > 0 || (plan.yearly_price ?? 0) > 0
      return {
        id: plan.id,
        name: plan.name,
        description: plan.description,
        plan_type: plan.plan_type,
        icon: plan.icon,
        company_count: counts.get(plan.id) ?? 0,
        is_default: false,
        is_trialable: false,
        is_free: !paid,
        charge_type: paid ? "recurring" : "free",
        billing_strategy: "schematic_managed",
        controlled_by: "schematic",
        currency_prices:
          monthly === undefined && yearly === undefined
            ? []
            : [{ currency: plan.currency, monthly_price: monthly, yearly_price: yearly }],
        ...(monthly === undefined ? {} : { monthly_price: monthly }),
        ...(yearly === undefined ? {} : { yearly_price: yearly }),
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
