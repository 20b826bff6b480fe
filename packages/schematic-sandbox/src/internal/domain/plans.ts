/** Plans and add-ons, and which of them each company holds, with the history plan growth is counted from. */
import { SqlClient } from "@effect/sql"
import { Effect } from "effect"
import { newId } from "../ids.js"
import type { PlanRow } from "../rows.js"
import { badRequest } from "../SandboxError.js"
import type { CreatePlan } from "../wire.js"
import { byNameOrId, rowById, type SearchFilter, type Table } from "./tables.js"

export const getPlan = rowById<PlanRow>("plans", "plan")

export interface PlanFilter extends SearchFilter {
  readonly plan_type?: "plan" | "add_on" | undefined
  /** Plans the company holds now. */
  readonly company_id?: string | undefined
}

export const planTable: Table<PlanFilter> = {
  table: "plans",
  alias: "p",
  where: (sql, filter) => {
    const clauses = [sql`1 = 1`, ...byNameOrId(sql, filter)]
    if (filter.plan_type) clauses.push(sql`plan_type = ${filter.plan_type}`)
    if (filter.company_id) {
      clauses.push(sql`id IN (SELECT plan_id FROM plan_subscriptions WHERE company_id = ${filter.company_id}
        AND ended_at IS NULL)`)
    }
    return sql.and(clauses)
  }
}

export const plansById = (ids: ReadonlyArray<string>) =>
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const byId = new Map<string, PlanRow>()
    if (ids.length === 0) return byId
    const rows = yield* sql<PlanRow>`SELECT * FROM plans WHERE id IN ${sql.in(ids)}`
    for (const row of rows) byId.set(row.id, row)
    return byId
  })

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
  Effect.gen(function* () {
    const sql = yield* SqlClient.SqlClient
    const row: PlanRow = {
      id: newId("plan"),
      name: input.name,
      description: input.description ?? "",
      plan_type: input.plan_type,
      icon: input.icon ?? "blue",
      monthly_price: input.monthly_price ?? null,
      yearly_price: input.yearly_price ?? null,
      currency: input.currency ?? "usd",
      created_at: now,
      updated_at: now
    }
    yield* sql`INSERT INTO plans ${sql.insert({ ...row })}`
    return row
  })
