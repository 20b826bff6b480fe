/**
 * Usage that costs credits: a track event of a feature the company holds as a credit entitlement draws
 * `quantity × consumption_rate` credits of the entitlement's type (see `credits.ts` for the order of draw).
 */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import type { EventRow } from "../rows.js"
import { companiesByIds } from "./companies.js"
import { type Draw, draw } from "./credits.js"
import { entitlementsOf } from "./entitlements.js"

/** Draws the credits that the stored track events `rows` cost, in the caller's transaction. */
export const drawForUsage = (
  rows: ReadonlyArray<Pick<EventRow, "id" | "subtype" | "quantity" | "company_id" | "captured_at">>,
  now: number
) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const subtypes = [...new Set(rows.flatMap((row) => (row.subtype === null ? [] : [row.subtype])))]
    if (subtypes.length === 0) return
    // Most batches name no credit-metered feature: one indexed query says so.
    const features = yield* sql<{ id: string; event_subtype: string }>`
      SELECT id, event_subtype FROM features WHERE event_subtype IN ${sql.in(subtypes)}
        AND (id IN (SELECT feature_id FROM plan_entitlements WHERE value_type = 'credit')
          OR id IN (SELECT feature_id FROM company_overrides WHERE value_type = 'credit'))`
    if (features.length === 0) return
    const metered = new Set(features.map((feature) => feature.event_subtype))
    const relevant = rows.filter((row) => row.subtype !== null && metered.has(row.subtype) && row.company_id !== null)
    if (relevant.length === 0) return
    const companies = yield* companiesByIds([...new Set(relevant.map((row) => row.company_id!))])
    const entitlements = yield* entitlementsOf(
      companies,
      now,
      features.map((feature) => feature.id)
    )
    const draws: Array<Draw> = []
    for (const row of relevant) {
      for (const entitlement of entitlements.get(row.company_id!) ?? []) {
        if (entitlement.credit === undefined || entitlement.feature.event_subtype !== row.subtype) continue
        draws.push({
          companyId: row.company_id!,
          creditId: entitlement.credit.creditId,
          featureId: entitlement.feature.id,
          eventId: row.id,
          amount: row.quantity * entitlement.credit.consumptionRate,
          at: Math.min(row.captured_at, now)
        })
      }
    }
    yield* draw(draws)
  })
