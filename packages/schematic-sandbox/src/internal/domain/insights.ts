/** Insights computed from stored data: a summary with revenue, plan growth and top features. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { mainSubscription, monthlyRevenue, subscriptionsOf } from "./billing.js"

const HOUR = 3_600_000
const floorHour = (t: number) => t - (((t % HOUR) + HOUR) % HOUR)
const ceilHour = (t: number) => (t % HOUR === 0 ? t : floorHour(t) + HOUR)

/**
 * Counts, plans, live credits and monthly recurring revenue. A company with a subscription pays what its main
 * subscription's recurring licensed items cost a month while it is active or past due (nothing on trial or once
 * canceled); a company with none pays its plans' list prices (yearly prices count as a twelfth).
 */
export const summary = Effect.gen(function* () {
  const sql = yield* SqlClient.SqlClient
  const [counts] = yield* sql<{ companies: number; plans: number; features: number }>`
    SELECT (SELECT COUNT(*) FROM companies) AS companies,
           (SELECT COUNT(*) FROM plans) AS plans,
           (SELECT COUNT(*) FROM features) AS features`
  const subscribed = yield* subscriptionsOf("all")
  const revenue = yield* sql<{ company_id: string; currency: string; amount: number }>`
    WITH held AS (
      SELECT id AS company_id, base_plan_id AS plan_id FROM companies WHERE base_plan_id IS NOT NULL
      UNION ALL
      SELECT company_id, plan_id FROM company_add_ons
    )
    SELECT held.company_id, p.currency,
           SUM(COALESCE(p.monthly_price, COALESCE(p.yearly_price, 0) / 12.0)) AS amount
    FROM held JOIN plans p ON p.id = held.plan_id
    GROUP BY held.company_id, p.currency`
  const mrr = new Map<string, number>()
  const paid = new Set<string>()
  for (const [companyId, subscriptions] of subscribed) {
    const main = mainSubscription(subscriptions)
    if (main === undefined) continue
    const amount = monthlyRevenue(main)
    if (amount <= 0) continue
    paid.add(companyId)
    mrr.set(main.row.currency, (mrr.get(main.row.currency) ?? 0) + amount)
  }
  const [credits] = yield* sql<{ remaining: number | null }>`SELECT SUM(quantity_remaining) AS remaining
    FROM credit_grants WHERE quantity_remaining > 0 AND zeroed_out_at IS NULL AND valid_from <= ${Date.now()}
      AND (expires_at IS NULL OR expires_at > ${Date.now()})`
  for (const row of revenue) {
    if (row.amount <= 0 || subscribed.has(row.company_id)) continue
    paid.add(row.company_id)
    mrr.set(row.currency, (mrr.get(row.currency) ?? 0) + row.amount)
  }
  return {
    total_companies: counts?.companies ?? 0,
    paid_companies: paid.size,
    total_plans: counts?.plans ?? 0,
    total_features: counts?.features ?? 0,
    active_credits: credits?.remaining ?? 0,
    mrr: [...mrr.entries()].map(([currency, amount]) => ({ currency, amount: Math.round(amount) }))
  }
})

/**
 * Subscribers per plan per month for the last `months` calendar months (UTC), counted at each month's end
 * (now, for the current month) from the history of plan assignments.
 */
export const planGrowth = (months: number, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const current = new Date(now)
    const windows: Array<{ start: number; end: number }> = []
    for (let back = months - 1; back >= 0; back--) {
      const start = Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - back, 1)
      const end = back === 0 ? now : Date.UTC(current.getUTCFullYear(), current.getUTCMonth() - back + 1, 1)
      windows.push({ start, end })
    }
    const values = sql.join(", ", false)(windows.map((w) => sql`(${w.start}, ${w.end})`))
    const rows = yield* sql<{ month: number; plan_id: string; plan_name: string; subscribers: number }>`
      WITH months(start, month_end) AS (VALUES ${values})
      SELECT m.start AS month, p.id AS plan_id, p.name AS plan_name, COUNT(DISTINCT s.company_id) AS subscribers
      FROM months m
      JOIN plan_subscriptions s ON s.started_at < m.month_end AND (s.ended_at IS NULL OR s.ended_at >= m.month_end)
      JOIN plans p ON p.id = s.plan_id
      GROUP BY m.start, p.id
      ORDER BY m.start, p.name`
    return {
      points: rows.map((row) => ({
        month: new Date(row.month).toISOString(),
        plan_id: row.plan_id,
        plan_name: row.plan_name,
        subscribers: row.subscribers
      }))
    }
  })

/**
 * Usage of event-metered features in [start, end) against the window of equal length before it.
 * Whole hours come from the hourly rollup; the partial hours at the edges from the events themselves.
 */
export const topFeatures = (start: number, end: number, limit: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const priorStart = start - (end - start)
    const parts = (from: number, to: number, column: "usage" | "prior") => {
      const hoursFrom = ceilHour(from)
      const hoursTo = floorHour(to)
      const usage = column === "usage" ? sql`SUM(quantity)` : sql`0`
      const prior = column === "prior" ? sql`SUM(quantity)` : sql`0`
      if (hoursFrom >= hoursTo) {
        return [
          sql`SELECT subtype, ${usage} AS usage, ${prior} AS prior FROM events
              WHERE type = 'track' AND captured_at >= ${from} AND captured_at < ${to} GROUP BY subtype`
        ]
      }
      return [
        sql`SELECT subtype, ${usage} AS usage, ${prior} AS prior FROM usage_hourly
            WHERE hour >= ${hoursFrom} AND hour < ${hoursTo} GROUP BY subtype`,
        sql`SELECT subtype, ${usage} AS usage, ${prior} AS prior FROM events
            WHERE type = 'track' AND ((captured_at >= ${from} AND captured_at < ${hoursFrom})
               OR (captured_at >= ${hoursTo} AND captured_at < ${to})) GROUP BY subtype`
      ]
    }
    const union = sql.join(" UNION ALL ", false)([...parts(start, end, "usage"), ...parts(priorStart, start, "prior")])
    const rows = yield* sql<{
      feature_id: string
      feature_name: string
      plural_name: string | null
      usage: number
      prior_usage: number
    }>`
      WITH parts AS (${union}),
      totals AS (SELECT subtype, SUM(usage) AS usage, SUM(prior) AS prior FROM parts GROUP BY subtype)
      SELECT f.id AS feature_id, f.name AS feature_name, f.plural_name AS plural_name,
             COALESCE(t.usage, 0) AS usage, COALESCE(t.prior, 0) AS prior_usage
      FROM features f JOIN totals t ON t.subtype = f.event_subtype
      WHERE f.feature_type = 'event' AND (t.usage > 0 OR t.prior > 0)
      ORDER BY usage DESC, f.name
      LIMIT ${limit}`
    return {
      features: rows.map((row) => ({
        ...row,
        change_pct:
          row.prior_usage > 0 ? Math.round(((row.usage - row.prior_usage) / row.prior_usage) * 10_000) / 100 : null
      }))
    }
  })
