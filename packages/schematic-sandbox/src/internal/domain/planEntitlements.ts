/** Plan entitlements: what a plan grants of a feature (on/off, a limit, unlimited, or a trait), over a metric period. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { PlanEntitlementRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreatePlanEntitlement, UpdatePlanEntitlement } from "../wire.js"
import { checkFeature } from "./featureRef.js"
import { entitlementValue, refuseSecondGrant, updateGrant } from "./grants.js"
import { deleteRowById, filteredTable, insertRow, rowById } from "./tables.js"

export const getPlanEntitlement = rowById<PlanEntitlementRow>("plan_entitlements", "plan entitlement")

export const deletePlanEntitlement = deleteRowById("plan_entitlements", "plan entitlement")

/** Stores a plan's entitlement to a feature; a plan has at most one per feature. */
export const insertPlanEntitlement = (input: typeof CreatePlanEntitlement.Type, now: number) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const value = yield* entitlementValue(input)
    const plans = yield* sql<{ id: string }>`SELECT id FROM plans WHERE id = ${input.plan_id}`
    if (plans[0] === undefined) return yield* badRequest(`plan_id: no plan ${input.plan_id}`)
    yield* checkFeature(input.feature_id)
    yield* refuseSecondGrant(
      "plan_entitlements",
      { column: "plan_id", id: input.plan_id },
      input.feature_id,
      "the plan already has an entitlement to this feature"
    )
    const row: PlanEntitlementRow = {
      id: newId("pltl"),
      plan_id: input.plan_id,
      feature_id: input.feature_id,
      ...value,
      soft_limit: input.soft_limit ?? null,
      created_at: now,
      updated_at: now
    }
    return yield* insertRow("plan_entitlements", row)
  })

/** `PUT /plan-entitlements/{id}`: replaces the entitlement's value, period and soft limit. */
export const updatePlanEntitlement = (id: string, input: typeof UpdatePlanEntitlement.Type, now: number) =>
  updateGrant("plan_entitlements", getPlanEntitlement, id, input, { soft_limit: input.soft_limit ?? null }, now)

export interface PlanEntitlementFilter {
  readonly plan_ids: ReadonlyArray<string>
  readonly feature_ids: ReadonlyArray<string>
  readonly ids: ReadonlyArray<string>
}

/** The plan entitlements table as its list filters it. */
export const planEntitlementTable = filteredTable<PlanEntitlementFilter>("plan_entitlements", "e", (sql, filter) => [
  filter.plan_ids.length > 0 && sql`e.plan_id IN ${sql.in(filter.plan_ids)}`,
  filter.feature_ids.length > 0 && sql`e.feature_id IN ${sql.in(filter.feature_ids)}`,
  filter.ids.length > 0 && sql`e.id IN ${sql.in(filter.ids)}`
])
